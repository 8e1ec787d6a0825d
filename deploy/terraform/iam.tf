# One service account per workload, each with only the roles it needs, bound at the narrowest
# scope that exists: the topic, the subscription, the dataset, the bucket, the repository, the
# job. Project-level bindings are limited to roles that only exist there (running BigQuery jobs,
# being a Dataflow worker). No primitive role (owner, editor, viewer) anywhere; tests/deploy
# holds the allowed list. Nothing here creates a key: every workload uses its attached account
# (Dataflow, Cloud Run, Cloud Scheduler) or impersonation (the generator, Looker Studio).

resource "google_service_account" "pipeline" {
  account_id   = "expedientes-pipeline"
  display_name = "expedientes Dataflow pipeline (launcher and workers)"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "generator" {
  account_id   = "expedientes-generator"
  display_name = "expedientes event generator (publisher)"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "dbt" {
  account_id   = "expedientes-dbt"
  display_name = "expedientes dbt build (Cloud Run job)"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "dashboard" {
  account_id   = "expedientes-dashboard"
  display_name = "expedientes dashboard reader (Looker Studio)"
  depends_on   = [google_project_service.enabled]
}

resource "google_service_account" "scheduler" {
  account_id   = "expedientes-dbt-scheduler"
  display_name = "expedientes Cloud Scheduler trigger of the dbt job"
  depends_on   = [google_project_service.enabled]
}

# ---------- pipeline: read the subscription, write the raw tables, use the bucket and images

resource "google_project_iam_member" "pipeline_dataflow_worker" {
  project = var.project_id
  role    = "roles/dataflow.worker"
  member  = "serviceAccount:${google_service_account.pipeline.email}"
}

resource "google_project_iam_member" "pipeline_bigquery_job_user" {
  # batch replays (--input_files) write with BigQuery load jobs
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.pipeline.email}"
}

resource "google_pubsub_subscription_iam_member" "pipeline_subscriber" {
  subscription = google_pubsub_subscription.pipeline.name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_service_account.pipeline.email}"
}

resource "google_pubsub_subscription_iam_member" "pipeline_subscription_viewer" {
  # Dataflow reads the subscription's configuration (backlog, ack deadline)
  subscription = google_pubsub_subscription.pipeline.name
  role         = "roles/pubsub.viewer"
  member       = "serviceAccount:${google_service_account.pipeline.email}"
}

resource "google_bigquery_dataset_iam_member" "pipeline_raw_editor" {
  dataset_id = google_bigquery_dataset.raw.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.pipeline.email}"
}

resource "google_storage_bucket_iam_member" "pipeline_bucket_objects" {
  bucket = google_storage_bucket.dataflow.name
  role   = "roles/storage.objectAdmin"
  member = "serviceAccount:${google_service_account.pipeline.email}"
}

resource "google_artifact_registry_repository_iam_member" "pipeline_image_reader" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:${google_service_account.pipeline.email}"
}

# ---------- generator: publish events, read the staging table for the cases' current status

resource "google_pubsub_topic_iam_member" "generator_publisher" {
  topic  = google_pubsub_topic.updates.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.generator.email}"
}

resource "google_bigquery_dataset_iam_member" "generator_raw_viewer" {
  dataset_id = google_bigquery_dataset.raw.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.generator.email}"
}

resource "google_project_iam_member" "generator_bigquery_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.generator.email}"
}

resource "google_service_account_iam_member" "generator_operators" {
  for_each           = toset(var.generator_operators)
  service_account_id = google_service_account.generator.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = each.value
}

# ---------- dbt: read raw, build its own datasets, run queries

resource "google_bigquery_dataset_iam_member" "dbt_raw_viewer" {
  dataset_id = google_bigquery_dataset.raw.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.dbt.email}"
}

resource "google_bigquery_dataset_iam_member" "dbt_models_editor" {
  dataset_id = google_bigquery_dataset.dbt.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.dbt.email}"
}

resource "google_bigquery_dataset_iam_member" "dbt_reference_editor" {
  dataset_id = google_bigquery_dataset.reference.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.dbt.email}"
}

resource "google_project_iam_member" "dbt_bigquery_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.dbt.email}"
}

# ---------- dashboard: read the dbt dataset (the marts), run queries

resource "google_bigquery_dataset_iam_member" "dashboard_models_viewer" {
  dataset_id = google_bigquery_dataset.dbt.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.dashboard.email}"
}

resource "google_project_iam_member" "dashboard_bigquery_job_user" {
  project = var.project_id
  role    = "roles/bigquery.jobUser"
  member  = "serviceAccount:${google_service_account.dashboard.email}"
}

resource "google_service_account_iam_member" "dashboard_editors" {
  for_each           = toset(var.dashboard_editors)
  service_account_id = google_service_account.dashboard.name
  role               = "roles/iam.serviceAccountUser"
  member             = each.value
}

resource "google_service_account_iam_member" "looker_studio_agent" {
  count              = var.looker_studio_service_agent == null ? 0 : 1
  service_account_id = google_service_account.dashboard.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${var.looker_studio_service_agent}"
}

# ---------- scheduler: start the dbt job, nothing else

resource "google_cloud_run_v2_job_iam_member" "scheduler_invoker" {
  location = google_cloud_run_v2_job.dbt.location
  name     = google_cloud_run_v2_job.dbt.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.scheduler.email}"
}

# ---------- Pub/Sub's service agent: move undeliverable messages to the dead-letter topic

resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letter_publisher" {
  topic  = google_pubsub_topic.dead_letter.name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_subscriber" {
  subscription = google_pubsub_subscription.pipeline.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}
