"""StreamField blocks of a module's body.

The shared blocks (heading, image, document) come from ``cms.blocks``; the
ones here are what a lesson adds: call-outs, a video (an embed link or an
uploaded file with captions), a legal provision citing a regulation page,
and the key takeaways.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock

from cms.blocks import RICH_TEXT_FEATURES, DocumentBlock, HeadingBlock, ImageBlock


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[("note", _("Note")), ("tip", _("Tip")), ("warning", _("Take care"))],
        default="note",
    )
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=120)
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Call-out")
        template = "courses/blocks/callout.html"


class VideoBlock(blocks.StructBlock):
    """A video: a link to a hosting site (Wagtail embeds) or an uploaded file.

    The page shows an uploaded file in a ``<video>`` element with its captions
    (WebVTT) and links to a hosted video instead of framing it: the site's
    Content-Security-Policy allows no third-party frames, and trainees on
    slow connections choose whether to load it.
    """

    title = blocks.CharBlock(label=_("Title"), max_length=200)
    embed = EmbedBlock(label=_("Video address (YouTube, Vimeo…)"), required=False)
    file = DocumentChooserBlock(label=_("Uploaded video file (MP4 or WebM)"), required=False)
    captions = DocumentChooserBlock(label=_("Captions (WebVTT file)"), required=False)
    transcript = blocks.TextBlock(label=_("Transcript"), required=False)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "courses/blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        if not value.get("embed") and not value.get("file"):
            raise blocks.StructBlockValidationError(
                block_errors={"embed": ValidationError(_("Give a video address or upload a video file."))}
            )
        return value


class LegalProvisionBlock(blocks.StructBlock):
    """A provision of a regulation the lesson teaches, cited by page and article.

    Publishing a module records the cited regulations on the page (see
    ``ModulePage.save``), which is how a newer regulation finds the modules
    to flag.
    """

    regulation = blocks.PageChooserBlock(label=_("Regulation"), page_type="cms.RegulationPage")
    article = blocks.CharBlock(label=_("Article"), max_length=120, help_text=_("For example: Điều 24, khoản 2."))
    text = blocks.TextBlock(label=_("Wording of the provision"))
    explanation = blocks.RichTextBlock(label=_("Explanation"), required=False, features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "doc-full-inverse"
        label = _("Legal provision")
        template = "courses/blocks/legal_provision.html"


class KeyTakeawaysBlock(blocks.StructBlock):
    items = blocks.ListBlock(blocks.CharBlock(label=_("Point"), max_length=300), label=_("Points"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("Key takeaways")
        template = "courses/blocks/key_takeaways.html"


class ModuleStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, label=_("Paragraph"), template="cms/blocks/paragraph.html"
    )
    callout = CalloutBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    legal_provision = LegalProvisionBlock()
    key_takeaways = KeyTakeawaysBlock()
