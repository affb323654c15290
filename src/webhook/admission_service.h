// The admission webhook as the operator runs it: a ClusterView over informers, the serving
// certificate, the HTTPS server, and the caBundle of the webhook configurations.
//
// Certificates, in order:
//   1. `cert_dir` holds tls.crt and tls.key (cert-manager's layout, a mounted Secret): served as
//      they are; whoever issued them (cert-manager's CA injector) owns the caBundle.
//   2. Otherwise self-managed, as Kueue's internal cert management: the Secret `cert_secret` in
//      `namespace` holds a CA and a serving certificate for the Service's DNS names. The first
//      replica to start generates them and creates the Secret; the others (and restarts) read
//      it, so every replica serves the same chain and they never fight over the caBundle. The
//      CA is then written into both `fairway.dev` webhook configurations.
//
// Identity: the operator's own user (from a SelfSubjectReview at start) is added to the admin
// users, so the operator's writes to Jobs (consuming user-action annotations, requeue-hold)
// pass the validating webhook.
//
// Thread-safety: Start/Stop from one thread; SetSettings from any.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "config/admission_settings.h"
#include "kube/api_client.h"
#include "webhook/admission_handler.h"
#include "webhook/informer_cluster_view.h"
#include "webhook/webhook_server.h"

namespace fairway::webhook {

struct AdmissionServiceOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 9443;  // 0: pick a free port (tests, the demo)
  // cert-manager layout (tls.crt, tls.key); used when both files exist.
  std::string cert_dir = "/tmp/k8s-webhook-server/serving-certs";
  // The Service in front of the webhook: its DNS names go into a self-managed certificate.
  std::string namespace_name = "fairway-system";
  std::string service_name = "fairway-webhook";
  // Extra subjectAltName IPs of a self-managed certificate (127.0.0.1 is always included).
  std::vector<std::string> extra_ips;
  // Secret holding the self-managed CA and serving certificate.
  std::string cert_secret = "fairway-webhook-certs";
  config::AdmissionSettings settings;
  Duration sync_timeout = std::chrono::seconds(30);
};

class AdmissionService {
 public:
  // REQUIRES: client and clock outlive the service.
  static StatusOr<std::unique_ptr<AdmissionService>> Start(kube::ApiClient* client, Clock* clock,
                                                           AdmissionServiceOptions options);
  ~AdmissionService();
  AdmissionService(const AdmissionService&) = delete;
  AdmissionService& operator=(const AdmissionService&) = delete;

  // New settings (reload); the operator's own identity stays an admin.
  void SetSettings(config::AdmissionSettings settings);
  void Stop();
  uint16_t port() const;
  // The CA that signed the serving certificate (empty when it came from cert_dir without a
  // ca.crt).
  const std::string& ca_pem() const { return ca_pem_; }
  // The operator's user as the API server authenticated it ("" if it could not tell).
  const std::string& own_user() const { return own_user_; }

 private:
  AdmissionService() = default;
  StatusOr<bool> LoadServingCertificate(kube::ApiClient* client);
  config::AdmissionSettings WithOwnUser(config::AdmissionSettings settings) const;

  AdmissionServiceOptions options_;
  Logger log_{"webhook"};
  std::string cert_pem_;
  std::string key_pem_;
  std::string ca_pem_;
  std::string own_user_;
  std::unique_ptr<InformerClusterView> view_;
  std::unique_ptr<AdmissionHandler> handler_;
  std::unique_ptr<WebhookServer> server_;
};

}  // namespace fairway::webhook
