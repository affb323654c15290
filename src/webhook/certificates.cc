#include "webhook/certificates.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "kube/tls_material.h"

namespace fairway::webhook {
namespace {

struct Free {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no detail";
  char buf[256] = {0};
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

Ptr<BIO> MemoryBio(const std::string& pem) {
  return Ptr<BIO>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

StatusOr<std::string> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool Exists(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

StatusOr<ServingCertificate> LoadFromDir(const std::filesystem::path& dir) {
  ServingCertificate out;
  StatusOr<std::string> cert = ReadFile(dir / kCertFileName);
  if (!cert.ok()) return cert.status();
  StatusOr<std::string> key = ReadFile(dir / kKeyFileName);
  if (!key.ok()) return key.status();
  out.cert_pem = std::move(cert).value();
  out.key_pem = std::move(key).value();
  Status pair = CheckCertificatePair(out.cert_pem, out.key_pem);
  if (!pair.ok()) return pair.WithContext(dir.string());
  if (Exists(dir / kCaFileName)) {
    StatusOr<std::string> ca = ReadFile(dir / kCaFileName);
    if (!ca.ok()) return ca.status();
    out.ca_pem = std::move(ca).value();
  }
  return out;
}

}  // namespace

std::vector<std::string> ServiceDnsNames(const std::string& service, const std::string& ns) {
  return {service, service + "." + ns, service + "." + ns + ".svc",
          service + "." + ns + ".svc.cluster.local"};
}

Status CheckCertificatePair(const std::string& cert_pem, const std::string& key_pem) {
  Ptr<BIO> cert_bio = MemoryBio(cert_pem);
  Ptr<BIO> key_bio = MemoryBio(key_pem);
  if (!cert_bio || !key_bio) return InternalError("cannot allocate an OpenSSL BIO");
  Ptr<X509> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert)
    return InvalidArgumentError(std::string(kCertFileName) +
                                " is not a PEM certificate: " + OpenSslError());
  Ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key)
    return InvalidArgumentError(std::string(kKeyFileName) +
                                " is not a PEM private key: " + OpenSslError());
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgumentError(std::string(kKeyFileName) + " does not match " + kCertFileName);
  }
  return OkStatus();
}

StatusOr<ServingCertificate> LoadOrGenerateServingCertificate(
    const std::string& cert_dir, const std::vector<std::string>& dns_names,
    const std::vector<std::string>& ips) {
  if (!cert_dir.empty()) {
    std::filesystem::path dir(cert_dir);
    bool has_cert = Exists(dir / kCertFileName);
    bool has_key = Exists(dir / kKeyFileName);
    if (has_cert && has_key) return LoadFromDir(dir);
    if (has_cert || has_key) {
      return FailedPreconditionError(cert_dir + " holds " +
                                     (has_cert ? kCertFileName : kKeyFileName) + " but not " +
                                     (has_cert ? kKeyFileName : kCertFileName));
    }
  }
  StatusOr<kube::TlsMaterial> material = kube::GenerateTlsMaterial(dns_names, ips);
  if (!material.ok()) {
    return InternalError("cannot generate the webhook certificate: " + material.status().message());
  }
  ServingCertificate out;
  out.cert_pem = material->server_cert_pem;
  out.key_pem = material->server_key_pem;
  out.ca_pem = material->ca_cert_pem;
  out.generated = true;
  return out;
}

}  // namespace fairway::webhook
