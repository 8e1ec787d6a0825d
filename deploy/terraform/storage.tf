# The Dataflow bucket: Flex Template specs (templates/), staged packages (staging/) and
# temporary files (tmp/). Private, uniform access, versioned; temporary files expire.

resource "google_storage_bucket" "dataflow" {
  #checkov:skip=CKV_GCP_62:Holds only Dataflow's own staging and temporary files; Cloud Audit Logs record who changes it, access logs would need a second bucket.
  name                        = local.bucket_name
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age            = var.temp_retention_days
      matches_prefix = ["tmp/"]
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.temp_retention_days
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}
