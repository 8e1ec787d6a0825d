# expedientes on Google Cloud: what each file holds.
#   apis.tf               the services the project needs
#   pubsub.tf             topic, subscription, dead-letter topic and subscription
#   bigquery.tf           datasets, the staging and dead-letter tables (schemas from the contract)
#   storage.tf            the Dataflow temp/staging bucket
#   artifact_registry.tf  the Docker repository of the Flex Template and dbt images
#   iam.tf                one service account per workload, each with only the roles it needs
#   dbt_schedule.tf       the Cloud Run job running dbt build, and its Cloud Scheduler trigger
#   outputs.tf            what `make deploy-pipeline` and `make deploy-dbt` read
# The Dataflow job itself is launched by `make deploy-pipeline` (a Flex Template), not here.

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  # Names shared with expedientes/settings.py and expedientes/tables (tests/deploy checks them).
  topic                    = "expedientes-updates"
  subscription             = "expedientes-sub"
  dead_letter_topic        = "expedientes-updates-dead-letter"
  dead_letter_subscription = "expedientes-dead-letter-sub"
  staging_table            = "expedientes_staging"
  dead_letter_table        = "expedientes_staging_error_records"

  # dbt writes its seeds to <target dataset>_<schema> (the seeds' +schema is `reference`).
  reference_dataset = "${var.dbt_dataset}_reference"
  bucket_name       = coalesce(var.bucket_name, "${var.project_id}-expedientes-dataflow")

  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}
