# The Docker repository of the two images: the Flex Template (launcher and workers) and dbt.

resource "google_artifact_registry_repository" "images" {
  #checkov:skip=CKV_GCP_84:Google-managed encryption; a customer-managed key (Cloud KMS) is an organisation policy choice this reference leaves out.
  repository_id = var.artifact_repository
  location      = var.region
  format        = "DOCKER"
  description   = "expedientes images: the Dataflow Flex Template and the dbt job."

  # Every deploy pushes a new tag: keep the 10 most recent versions of each image (the running
  # ones among them), delete older versions after 30 days and untagged layers after 7.
  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 10
    }
  }
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "2592000s"
    }
  }
  cleanup_policies {
    id     = "delete-untagged"
    action = "DELETE"
    condition {
      tag_state  = "UNTAGGED"
      older_than = "604800s"
    }
  }

  depends_on = [google_project_service.enabled]
}
