from django.urls import path

from ..views import form_builder

R = "reviews/<int:review_id>/extraction/form/"

urlpatterns = [
    path(R, form_builder.extraction_form, name="extraction_form"),
    path(
        R + "sections/<int:section_id>/",
        form_builder.extraction_section,
        name="extraction_section",
    ),
    path(
        R + "sections/<int:section_id>/fields/new/",
        form_builder.extraction_field_add,
        name="extraction_field_add",
    ),
    path(R + "fields/<int:field_id>/", form_builder.extraction_field, name="extraction_field"),
]
