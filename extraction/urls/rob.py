from django.urls import path

from ..views import rob

R = "reviews/<int:review_id>/"
TOOL = R + "rob/<str:tool_key>/"
STUDY = TOOL + "studies/<int:study_id>/"
RESULT = STUDY + "outcomes/<int:outcome_id>/"

urlpatterns = [
    path(R + "rob/", rob.rob_home, name="rob_home"),
    path(R + "settings/rob/", rob.rob_settings, name="rob_settings"),
    path(TOOL, rob.rob_list, name="rob_list"),
    path(TOOL + "suggest/", rob.rob_suggest, name="rob_suggest"),
    path(STUDY, rob.rob_assess, name="rob_assess"),
    path(RESULT, rob.rob_assess, name="rob_assess_outcome"),
    path(STUDY + "consensus/", rob.rob_consensus, name="rob_consensus"),
    path(RESULT + "consensus/", rob.rob_consensus, name="rob_consensus_outcome"),
]
