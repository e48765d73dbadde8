"""StreamField blocks shared by the content pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

# Editors write structure, not layout: no colours, no raw HTML, no embeds
# from arbitrary sites. Headings inside rich text start at h3 because the
# page title is h1 and heading blocks are h2.
RICH_TEXT_FEATURES = ["h3", "h4", "bold", "italic", "ol", "ul", "link", "document-link"]


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        label = _("Heading")
        template = "cms/blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=255)
    alt_text = blocks.CharBlock(
        label=_("Text alternative"),
        required=False,
        max_length=255,
        help_text=_("Describe the image for people who cannot see it; leave empty if it is decorative."),
    )

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Link text"),
        required=False,
        max_length=255,
        help_text=_("Leave empty to use the document's title."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "cms/blocks/document.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quotation"))
    source = blocks.CharBlock(label=_("Source"), required=False, max_length=255)

    class Meta:
        icon = "openquote"
        label = _("Quotation")
        template = "cms/blocks/quote.html"


class BodyStreamBlock(blocks.StreamBlock):
    """The body of a standard page."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, label=_("Paragraph"), template="cms/blocks/paragraph.html"
    )
    image = ImageBlock()
    document = DocumentBlock()
    quote = QuoteBlock()


class ProvisionBlock(blocks.StructBlock):
    """One changed provision: where it is, and its wording before and after."""

    article = blocks.CharBlock(
        label=_("Article reference"),
        max_length=255,
        help_text=_("For example: Article 5, clause 2. Or the part of the document the change concerns."),
    )
    old_wording = blocks.TextBlock(
        label=_("Previous wording"),
        required=False,
        help_text=_("Leave empty for a provision that did not exist before."),
    )
    new_wording = blocks.TextBlock(label=_("New wording"))

    class Meta:
        icon = "doc-full-inverse"
        label = _("Provision")
        template = "cms/blocks/provision.html"


class WhatIsNewStreamBlock(blocks.StreamBlock):
    """What a regulation changes: provisions compared side by side, with notes between."""

    provision = ProvisionBlock()
    paragraph = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, label=_("Explanation"), template="cms/blocks/paragraph.html"
    )
