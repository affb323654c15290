// The webhook's serving certificate: mounted files in cert-manager's layout, or generated at
// start (as Kueue's internal certificate management does) with a CA the operator then writes
// into the webhook configurations' caBundle (configurations.h InjectCaBundle).
//
// Thread-safety: free functions; safe to call concurrently.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace fairway::webhook {

inline constexpr const char* kCertFileName = "tls.crt";
inline constexpr const char* kKeyFileName = "tls.key";
inline constexpr const char* kCaFileName = "ca.crt";

struct ServingCertificate {
  std::string cert_pem;  // the serving certificate (and any intermediates)
  std::string key_pem;
  std::string ca_pem;  // the CA to trust; empty when loaded from files without ca.crt
  bool generated = false;
};

// The names a Service `service` in `ns` is dialled by: S, S.N, S.N.svc, S.N.svc.cluster.local.
std::vector<std::string> ServiceDnsNames(const std::string& service, const std::string& ns);

// From `cert_dir`/tls.crt and tls.key (and ca.crt when present) when both files exist; the pair
// must parse and the key must match the certificate. Otherwise (an empty cert_dir, or neither
// file there) a new CA and a serving certificate for `dns_names` and `ips` (subjectAltNames).
// Errors: kFailedPrecondition when only one of tls.crt and tls.key exists; kInvalidArgument when
// the files do not parse or do not match; kInternal when generation fails.
[[nodiscard]] StatusOr<ServingCertificate> LoadOrGenerateServingCertificate(
    const std::string& cert_dir, const std::vector<std::string>& dns_names,
    const std::vector<std::string>& ips = {"127.0.0.1"});

// Checks that `cert_pem` starts with a certificate whose public key matches `key_pem`.
[[nodiscard]] Status CheckCertificatePair(const std::string& cert_pem, const std::string& key_pem);

}  // namespace fairway::webhook
