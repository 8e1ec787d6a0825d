# dbt on a schedule: a Cloud Run job runs `dbt build --target bigquery` in the image of
# deploy/dbt/Dockerfile, and Cloud Scheduler starts it every 3 hours (var.dbt_schedule).
# Each run merges only the events ingested since the previous one, so a run costs what arrived.

resource "google_cloud_run_v2_job" "dbt" {
  name                = var.dbt_job_name
  location            = var.region
  deletion_protection = var.deletion_protection

  template {
    task_count  = 1
    parallelism = 1

    template {
      service_account = google_service_account.dbt.email
      timeout         = "3600s"
      max_retries     = 1

      containers {
        image   = var.dbt_image
        command = ["dbt"]
        args    = ["build", "--target", "bigquery"]

        # The bigquery target of dbt_project/profiles.yml reads these; credentials come from
        # the job's service account (Application Default Credentials), never from a file.
        env {
          name  = "EXPEDIENTES_GCP_PROJECT"
          value = var.project_id
        }
        env {
          name  = "EXPEDIENTES_BQ_DATASET"
          value = google_bigquery_dataset.dbt.dataset_id
        }
        env {
          name  = "EXPEDIENTES_BQ_RAW_DATASET"
          value = google_bigquery_dataset.raw.dataset_id
        }
        env {
          name  = "EXPEDIENTES_BQ_LOCATION"
          value = var.bigquery_location
        }

        resources {
          limits = {
            cpu    = "1"
            memory = "1Gi"
          }
        }
      }
    }
  }

  lifecycle {
    # `make deploy-dbt` points the job at each new image; an apply must not roll it back.
    ignore_changes = [
      template[0].template[0].containers[0].image,
      client,
      client_version,
    ]
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_scheduler_job" "dbt_build" {
  name        = "${var.dbt_job_name}-build"
  region      = var.region
  description = "Runs dbt build (the Cloud Run job ${var.dbt_job_name}) on schedule."
  schedule    = var.dbt_schedule
  time_zone   = var.dbt_schedule_time_zone

  # The call only starts an execution; the build itself runs (and retries) in Cloud Run.
  attempt_deadline = "60s"
  retry_config {
    retry_count = 1
  }

  http_target {
    http_method = "POST"
    uri         = "https://run.googleapis.com/v2/${google_cloud_run_v2_job.dbt.id}:run"

    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }

  depends_on = [google_cloud_run_v2_job_iam_member.scheduler_invoker]
}
