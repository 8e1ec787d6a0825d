# BigQuery: the raw dataset the pipeline writes, one dataset per dbt layer (models, seeds), and
# the two tables of the raw dataset. Their schemas are the files rendered from the event
# contract by `python -m expedientes.tables` (checked by `make lint`): no second copy here.

locals {
  tables_dir         = "${path.module}/../../expedientes/tables"
  staging_schema     = file("${local.tables_dir}/staging.bigquery.json")
  dead_letter_schema = file("${local.tables_dir}/dead_letter.bigquery.json")
  staging_columns    = [for column in jsondecode(local.staging_schema) : column.name]
  dead_letter_columns = [
    for column in jsondecode(local.dead_letter_schema) : column.name
  ]

  partition_expiration_ms = (
    var.partition_expiration_days == null ? null : var.partition_expiration_days * 86400000
  )
}

resource "google_bigquery_dataset" "raw" {
  #checkov:skip=CKV_GCP_81:Google-managed encryption; a customer-managed key (Cloud KMS) is an organisation policy choice this reference leaves out.
  dataset_id  = var.raw_dataset
  location    = var.bigquery_location
  description = "What the expedientes pipeline lands: the append-only staging table and the dead-letter table."

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_dataset" "dbt" {
  #checkov:skip=CKV_GCP_81:Google-managed encryption; a customer-managed key (Cloud KMS) is an organisation policy choice this reference leaves out.
  dataset_id  = var.dbt_dataset
  location    = var.bigquery_location
  description = "dbt models of expedientes: staging views, history facts, the master table and the dashboard marts."

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_dataset" "reference" {
  #checkov:skip=CKV_GCP_81:Google-managed encryption; a customer-managed key (Cloud KMS) is an organisation policy choice this reference leaves out.
  dataset_id  = local.reference_dataset
  location    = var.bigquery_location
  description = "dbt seeds of expedientes: procedures, states, legal transitions, thresholds, error types."

  depends_on = [google_project_service.enabled]
}

resource "google_bigquery_table" "staging" {
  #checkov:skip=CKV_GCP_80:Google-managed encryption, as for the dataset (see CKV_GCP_81 above).
  dataset_id          = google_bigquery_dataset.raw.dataset_id
  table_id            = local.staging_table
  description         = "One row per valid event the pipeline landed (append-only; dbt deduplicates on event_id)."
  deletion_protection = var.deletion_protection
  schema              = local.staging_schema

  # dbt reads each increment by ingested_at, so a run scans the days after its watermark only.
  time_partitioning {
    type          = "DAY"
    field         = "ingested_at"
    expiration_ms = local.partition_expiration_ms
  }
  clustering = ["ref"]

  lifecycle {
    precondition {
      condition     = contains(local.staging_columns, "ingested_at") && contains(local.staging_columns, "ref")
      error_message = "The staging schema lost its partitioning (ingested_at) or clustering (ref) column."
    }
  }
}

resource "google_bigquery_table" "dead_letter" {
  #checkov:skip=CKV_GCP_80:Google-managed encryption, as for the dataset (see CKV_GCP_81 above).
  dataset_id          = google_bigquery_dataset.raw.dataset_id
  table_id            = local.dead_letter_table
  description         = "Messages that failed the contract or the write, with the reason (shape of Google's Pub/Sub-to-BigQuery template)."
  deletion_protection = var.deletion_protection
  schema              = local.dead_letter_schema

  # No ref column here (a dead letter may have none), so no clustering.
  time_partitioning {
    type          = "DAY"
    field         = "failed_at"
    expiration_ms = local.partition_expiration_ms
  }

  lifecycle {
    precondition {
      condition     = contains(local.dead_letter_columns, "failed_at")
      error_message = "The dead-letter schema lost its partitioning column (failed_at)."
    }
  }
}
