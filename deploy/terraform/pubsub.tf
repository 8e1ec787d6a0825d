# Pub/Sub, as `make pubsub-init` creates it on the emulator (expedientes/pubsub_admin.py):
# the same retention, ordering, dead-letter and retry settings (tests/deploy checks they match).
#
# No Pub/Sub schema on the topic: Pub/Sub validates only Avro or Protocol Buffers schemas, and it
# would refuse a malformed event at publish time, before the pipeline can route it to the
# dead-letter table with its reason. The contract (expedientes/event.schema.json) is enforced by
# the pipeline, so nothing is dropped silently.

resource "google_pubsub_topic" "updates" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption; a customer-managed key (Cloud KMS) is an organisation policy choice this reference leaves out.
  name = local.topic

  # 7 days on the topic too: a subscription can seek to any time in that window, even to before
  # it was created.
  message_retention_duration = "604800s"

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "pipeline" {
  name  = local.subscription
  topic = google_pubsub_topic.updates.id

  ack_deadline_seconds    = 60
  enable_message_ordering = true # ordering key = the case ref

  # Acked messages are kept 7 days: after an incident an operator seeks the subscription back
  # (gcloud pubsub subscriptions seek expedientes-sub --time=...) and the pipeline re-reads them;
  # deduplication on event_id makes the replay harmless.
  retain_acked_messages      = true
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = "" # never expires, even when the pipeline is stopped for weeks
  }

  # A message nobody manages to ack after 10 deliveries moves to the dead-letter topic. The
  # pipeline's own dead-letter table remains the path of events that fail the contract.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = 10
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
}

resource "google_pubsub_topic" "dead_letter" {
  #checkov:skip=CKV_GCP_83:Google-managed encryption; a customer-managed key (Cloud KMS) is an organisation policy choice this reference leaves out.
  name                       = local.dead_letter_topic
  message_retention_duration = "604800s"

  depends_on = [google_project_service.enabled]
}

resource "google_pubsub_subscription" "dead_letter" {
  name  = local.dead_letter_subscription
  topic = google_pubsub_topic.dead_letter.id

  ack_deadline_seconds       = 60
  retain_acked_messages      = true
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}
