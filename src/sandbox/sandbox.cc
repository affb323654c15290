#include "sandbox/sandbox.h"

#include <fstream>

#include "common/base64.h"
#include "common/status_macros.h"
#include "kube/tls_material.h"
#include "sandbox/internal/util.h"
#include "sandbox/manifest.h"
#include "sandbox/pod_streams.h"

namespace fairway::sandbox {

bool IsLoopbackAddress(const std::string& address) {
  return address == "localhost" || address == "::1" || internal::StartsWith(address, "127.");
}

StatusOr<std::unique_ptr<Sandbox>> Sandbox::Start(const SandboxOptions& options, Clock* clock) {
  std::unique_ptr<Sandbox> sb(new Sandbox());
  ApiServer::Options api = options.api;
  if (!options.token_auth_file.empty()) {
    FAIRWAY_ASSIGN_OR_RETURN(api.tokens, TokenTable::Load(options.token_auth_file));
  }
  for (const auto& [service, address] : options.webhook_service_addresses) {
    api.webhook_service_addresses[service] = address;
  }
  sb->api_ = std::make_unique<ApiServer>(clock, std::move(api));
  if (!options.data_dir.empty()) {
    FAIRWAY_ASSIGN_OR_RETURN(
        sb->journal_, FileJournal::Open(options.data_dir, &sb->api_->store(), &sb->recovery_));
    sb->api_->ReloadStoredState();
  }
  for (const std::string& path : options.manifests) {
    FAIRWAY_ASSIGN_OR_RETURN(int n, sb->ApplyManifests(path));
    (void)n;
  }
  sb->kubelet_ = std::make_unique<KubeletSimulator>(sb->api_.get(), clock, options.kubelet);
  FAIRWAY_RETURN_IF_ERROR(sb->kubelet_->AddNodes(options.nodes));
  FAIRWAY_RETURN_IF_ERROR(sb->kubelet_->Start());
  sb->kubelet_->RegisterAdminRoutes();
  if (options.autoscaler.has_value()) {
    sb->autoscaler_ = std::make_unique<AutoscalerSimulator>(sb->api_.get(), sb->kubelet_.get(),
                                                            clock, *options.autoscaler);
    sb->autoscaler_->Start();
  }
  sb->api_->SetPodStreamHandler(MakePodStreamHandler(sb->api_.get(), sb->kubelet_->runtime()));

  HttpServer::Options http;
  http.address = options.address == "localhost" ? "127.0.0.1" : options.address;
  http.port = options.port;
  http.tls = options.tls;
  http.threads = options.io_threads;
  if (options.tls) {
    FAIRWAY_ASSIGN_OR_RETURN(
        kube::TlsMaterial tls,
        kube::GenerateTlsMaterial(
            {"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
            {"127.0.0.1", "::1"}));
    http.cert_pem = tls.server_cert_pem;
    http.key_pem = tls.server_key_pem;
    sb->ca_pem_ = tls.ca_cert_pem;
    if (options.client_ca_pem.empty()) {
      FAIRWAY_ASSIGN_OR_RETURN(sb->client_ca_,
                               kube::GenerateCertificateAuthority("fairway-sandbox-client-ca"));
      sb->client_ca_pem_ = sb->client_ca_->cert_pem;
    } else {
      sb->client_ca_pem_ = options.client_ca_pem;
    }
    http.client_ca_pem = sb->client_ca_pem_;
  }
  FAIRWAY_ASSIGN_OR_RETURN(sb->http_, HttpServer::Start(sb->api_.get(), http));
  return sb;
}

Sandbox::~Sandbox() { Stop(); }

void Sandbox::Stop() {
  if (http_) http_->Stop();
  if (autoscaler_) autoscaler_->Stop();  // before the kubelet it adds nodes to
  if (kubelet_) kubelet_->Stop();
}

std::string Sandbox::Kubeconfig(const std::string& token) const {
  return Kubeconfig({KubeconfigUser{"fairway-sandbox", token, "", "", "default"}},
                    "fairway-sandbox");
}

std::string Sandbox::Kubeconfig(const std::vector<KubeconfigUser>& users,
                                const std::string& current_context) const {
  // JSON strings are YAML scalars, so names and tokens need no further escaping.
  auto quote = [](const std::string& s) { return nlohmann::json(s).dump(); };
  std::string out =
      "apiVersion: v1\n"
      "kind: Config\n"
      "current-context: " +
      quote(current_context) +
      "\n"
      "clusters:\n"
      "- name: fairway-sandbox\n"
      "  cluster:\n"
      "    server: " +
      url() + "\n";
  if (!ca_pem_.empty()) {
    out += "    certificate-authority-data: " + Base64Encode(ca_pem_) + "\n";
  }
  out += "users:\n";
  for (const KubeconfigUser& u : users) {
    out += "- name: " + quote(u.name) + "\n  user:\n";
    if (!u.token.empty()) out += "    token: " + quote(u.token) + "\n";
    if (!u.client_cert_pem.empty()) {
      out += "    client-certificate-data: " + Base64Encode(u.client_cert_pem) + "\n" +
             "    client-key-data: " + Base64Encode(u.client_key_pem) + "\n";
    }
    if (u.token.empty() && u.client_cert_pem.empty()) out += "    {}\n";
  }
  out += "contexts:\n";
  for (const KubeconfigUser& u : users) {
    out += "- name: " + quote(u.name) +
           "\n"
           "  context:\n"
           "    cluster: fairway-sandbox\n"
           "    user: " +
           quote(u.name) +
           "\n"
           "    namespace: " +
           quote(u.ns) + "\n";
  }
  return out;
}

namespace {

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return UnavailableError("cannot write kubeconfig " + path);
  out << text;
  out.close();
  if (!out) return UnavailableError("cannot write kubeconfig " + path);
  return OkStatus();
}

}  // namespace

Status Sandbox::WriteKubeconfig(const std::string& path) const {
  return WriteFile(path, Kubeconfig());
}

Status Sandbox::WriteKubeconfig(const std::string& path, const std::vector<KubeconfigUser>& users,
                                const std::string& current_context) const {
  return WriteFile(path, Kubeconfig(users, current_context));
}

StatusOr<kube::IssuedCertificate> Sandbox::IssueClientCertificate(
    const std::string& user, const std::vector<std::string>& groups) const {
  if (!client_ca_) {
    return FailedPreconditionError(
        "the sandbox issues client certificates only with --tls and its own generated client CA");
  }
  return kube::IssueClientCertificate(*client_ca_, user, groups);
}

StatusOr<int> Sandbox::ApplyManifests(const std::string& path) {
  FAIRWAY_ASSIGN_OR_RETURN(std::vector<nlohmann::json> docs, ReadManifests(path));
  int n = 0;
  for (const nlohmann::json& doc : docs) {
    Result<nlohmann::json> r = api_->Apply(doc);
    if (!r.ok()) {
      return r.error().ToStatus().WithContext("applying " + doc.value("kind", std::string("?")) +
                                              " " + internal::NameOf(doc) + " from " + path);
    }
    ++n;
  }
  return n;
}

}  // namespace fairway::sandbox
