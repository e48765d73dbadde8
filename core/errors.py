class ServiceError(Exception):
    """A refused write: ``code`` is for programs and tests, the message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
