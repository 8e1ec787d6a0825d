# Terraform and provider versions. The provider is pinned exactly: a provider upgrade is a
# reviewed change of this line (then `terraform init -upgrade` rewrites .terraform.lock.hcl).
terraform {
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "7.30.0"
    }
  }

  # State is local (deploy/terraform/terraform.tfstate, git-ignored) until you add a backend.
  # For a team, keep it in a versioned GCS bucket created once by hand:
  #   backend "gcs" {
  #     bucket = "PROJECT-tfstate"
  #     prefix = "expedientes"
  #   }
}

# Credentials: Application Default Credentials (`gcloud auth application-default login`).
# No key file is referenced anywhere in this configuration.
provider "google" {
  project = var.project_id
  region  = var.region

  default_labels = merge(var.labels, {
    app        = "expedientes"
    managed-by = "terraform"
  })
}
