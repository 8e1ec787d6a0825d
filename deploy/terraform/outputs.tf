# What `make deploy-pipeline` and `make deploy-dbt` read (`make deploy-infra` saves
# `terraform output -json` to deploy/terraform/outputs.json), and what the README's steps use.

output "project_id" {
  value = var.project_id
}

output "region" {
  value = var.region
}

output "dataflow_bucket" {
  description = "Bucket (no gs://) of the Flex Template specs and Dataflow's temp/staging files."
  value       = google_storage_bucket.dataflow.name
}

output "artifact_repository" {
  value = google_artifact_registry_repository.images.repository_id
}

output "artifact_registry_url" {
  description = "Prefix of the image names: REGION-docker.pkg.dev/PROJECT/REPOSITORY."
  value       = "${google_artifact_registry_repository.images.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}

output "topic" {
  value = google_pubsub_topic.updates.id
}

output "subscription" {
  description = "The pipeline's input, projects/PROJECT/subscriptions/expedientes-sub."
  value       = google_pubsub_subscription.pipeline.id
}

output "dead_letter_topic" {
  value = google_pubsub_topic.dead_letter.id
}

output "raw_dataset" {
  value = google_bigquery_dataset.raw.dataset_id
}

output "dbt_dataset" {
  value = google_bigquery_dataset.dbt.dataset_id
}

output "reference_dataset" {
  value = google_bigquery_dataset.reference.dataset_id
}

output "staging_table" {
  value = "${var.project_id}:${google_bigquery_dataset.raw.dataset_id}.${google_bigquery_table.staging.table_id}"
}

output "dead_letter_table" {
  value = "${var.project_id}:${google_bigquery_dataset.raw.dataset_id}.${google_bigquery_table.dead_letter.table_id}"
}

output "pipeline_service_account" {
  value = google_service_account.pipeline.email
}

output "generator_service_account" {
  value = google_service_account.generator.email
}

output "dbt_service_account" {
  value = google_service_account.dbt.email
}

output "dashboard_service_account" {
  value = google_service_account.dashboard.email
}

output "dbt_job" {
  value = google_cloud_run_v2_job.dbt.name
}

output "dbt_schedule" {
  value = google_cloud_scheduler_job.dbt_build.schedule
}
