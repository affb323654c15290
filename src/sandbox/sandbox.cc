#include "sandbox/sandbox.h"

#include <fstream>

#include "common/status_macros.h"
#include "sandbox/internal/util.h"
#include "sandbox/manifest.h"
#include "sandbox/tls.h"

namespace fairway::sandbox {

bool IsLoopbackAddress(const std::string& address) {
  return address == "localhost" || address == "::1" || internal::StartsWith(address, "127.");
}

StatusOr<std::unique_ptr<Sandbox>> Sandbox::Start(const SandboxOptions& options, Clock* clock) {
  std::unique_ptr<Sandbox> sb(new Sandbox());
  sb->api_ = std::make_unique<ApiServer>(clock, options.api);
  for (const std::string& path : options.manifests) {
    FAIRWAY_ASSIGN_OR_RETURN(int n, sb->ApplyManifests(path));
    (void)n;
  }
  sb->kubelet_ = std::make_unique<KubeletSimulator>(sb->api_.get(), clock, options.kubelet);
  FAIRWAY_RETURN_IF_ERROR(sb->kubelet_->AddNodes(options.nodes));
  FAIRWAY_RETURN_IF_ERROR(sb->kubelet_->Start());
  sb->kubelet_->RegisterAdminRoutes();

  HttpServer::Options http;
  http.address = options.address == "localhost" ? "127.0.0.1" : options.address;
  http.port = options.port;
  http.tls = options.tls;
  http.threads = options.io_threads;
  if (options.tls) {
    FAIRWAY_ASSIGN_OR_RETURN(TlsMaterial tls,
                             GenerateTlsMaterial({"localhost", "kubernetes", "kubernetes.default",
                                                  "kubernetes.default.svc"},
                                                 {"127.0.0.1", "::1"}));
    http.cert_pem = tls.server_cert_pem;
    http.key_pem = tls.server_key_pem;
    sb->ca_pem_ = tls.ca_cert_pem;
  }
  FAIRWAY_ASSIGN_OR_RETURN(sb->http_, HttpServer::Start(sb->api_.get(), http));
  return sb;
}

Sandbox::~Sandbox() { Stop(); }

void Sandbox::Stop() {
  if (http_) http_->Stop();
  if (kubelet_) kubelet_->Stop();
}

std::string Sandbox::Kubeconfig(const std::string& token) const {
  std::string cluster = "    server: " + url() + "\n";
  if (!ca_pem_.empty()) {
    cluster += "    certificate-authority-data: " + internal::Base64Encode(ca_pem_) + "\n";
  }
  return "apiVersion: v1\n"
         "kind: Config\n"
         "current-context: fairway-sandbox\n"
         "clusters:\n"
         "- name: fairway-sandbox\n"
         "  cluster:\n" +
         cluster +
         "users:\n"
         "- name: fairway-sandbox\n"
         "  user:\n"
         "    token: " + token + "\n"
         "contexts:\n"
         "- name: fairway-sandbox\n"
         "  context:\n"
         "    cluster: fairway-sandbox\n"
         "    user: fairway-sandbox\n"
         "    namespace: default\n";
}

Status Sandbox::WriteKubeconfig(const std::string& path) const {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return UnavailableError("cannot write kubeconfig " + path);
  out << Kubeconfig();
  out.close();
  if (!out) return UnavailableError("cannot write kubeconfig " + path);
  return OkStatus();
}

StatusOr<int> Sandbox::ApplyManifests(const std::string& path) {
  FAIRWAY_ASSIGN_OR_RETURN(std::vector<nlohmann::json> docs, ReadManifests(path));
  int n = 0;
  for (const nlohmann::json& doc : docs) {
    Result<nlohmann::json> r = api_->Apply(doc);
    if (!r.ok()) {
      return r.error().ToStatus().WithContext("applying " + doc.value("kind", std::string("?")) + " " +
                                              internal::NameOf(doc) + " from " + path);
    }
    ++n;
  }
  return n;
}

}  // namespace fairway::sandbox
