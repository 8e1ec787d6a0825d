# Inputs. Only project_id is required; terraform.tfvars.example lists the usual ones.

variable "project_id" {
  description = "Google Cloud project id that holds every resource."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id (6-30 lower-case letters, digits, hyphens)."
  }
}

variable "region" {
  description = "Region of Dataflow, the bucket, Artifact Registry, Cloud Run and Cloud Scheduler."
  type        = string
  default     = "europe-west1"
}

variable "bigquery_location" {
  description = "Location of the BigQuery datasets (a multi-region such as EU, or a region). dbt's bigquery target reads it from EXPEDIENTES_BQ_LOCATION."
  type        = string
  default     = "EU"
}

variable "raw_dataset" {
  description = "Dataset of the pipeline's staging and dead-letter tables (EXPEDIENTES_BQ_RAW_DATASET)."
  type        = string
  default     = "raw"
}

variable "dbt_dataset" {
  description = "Dataset dbt builds its models in (EXPEDIENTES_BQ_DATASET); its seeds go to <dbt_dataset>_reference."
  type        = string
  default     = "expedientes"
}

variable "partition_expiration_days" {
  description = "Days a partition of the staging and dead-letter tables is kept; null keeps them forever. dbt's master keeps every case's history, but a --full-refresh can only rebuild from the partitions that are left."
  type        = number
  default     = null

  validation {
    condition     = var.partition_expiration_days == null ? true : var.partition_expiration_days >= 1
    error_message = "partition_expiration_days must be null (never expire) or at least 1."
  }
}

variable "bucket_name" {
  description = "Name of the Dataflow temp/staging bucket; null means <project_id>-expedientes-dataflow."
  type        = string
  default     = null
}

variable "temp_retention_days" {
  description = "Days Dataflow's temporary files (gs://BUCKET/tmp/) and replaced object versions are kept."
  type        = number
  default     = 7
}

variable "artifact_repository" {
  description = "Artifact Registry Docker repository of the Flex Template and dbt images."
  type        = string
  default     = "expedientes"
}

variable "dbt_job_name" {
  description = "Name of the Cloud Run job that runs dbt build."
  type        = string
  default     = "expedientes-dbt"
}

variable "dbt_image" {
  description = "Image the dbt job is created with. `make deploy-dbt` builds the real one and points the job at it; Terraform ignores later image changes so an apply never rolls it back."
  type        = string
  default     = "us-docker.pkg.dev/cloudrun/container/job:latest"
}

variable "dbt_schedule" {
  description = "Cron schedule of dbt build (Cloud Scheduler syntax): every 3 hours by default."
  type        = string
  default     = "0 */3 * * *"

  validation {
    condition     = length(split(" ", trimspace(var.dbt_schedule))) == 5
    error_message = "dbt_schedule must be a cron expression with 5 fields, e.g. \"0 */3 * * *\"."
  }
}

variable "dbt_schedule_time_zone" {
  description = "Time zone the dbt schedule is read in."
  type        = string
  default     = "Etc/UTC"
}

variable "generator_operators" {
  description = "Members (e.g. user:ana@example.com) who may run the generator as its service account by impersonation (ADC, no key file)."
  type        = list(string)
  default     = []
}

variable "dashboard_editors" {
  description = "Members who may attach the dashboard reader service account to a Looker Studio data source."
  type        = list(string)
  default     = []
}

variable "looker_studio_service_agent" {
  description = "Your organisation's Looker Studio service agent (service-org-N@gcp-sa-datastudio.iam.gserviceaccount.com, shown on Looker Studio's service-agent help page); null when the dashboard uses viewer or owner credentials."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect the tables and the Cloud Run job from `terraform destroy`."
  type        = bool
  default     = true
}

variable "labels" {
  description = "Extra labels for every resource."
  type        = map(string)
  default     = {}
}
