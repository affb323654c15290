// Self-signed TLS material generated at start-up with the OpenSSL API: a CA and a serving
// certificate signed by it (EC P-256, SHA-256), with subjectAltNames for the addresses the
// sandbox listens on, so kubectl can verify the server via certificate-authority-data.
//
// Thread-safety: free function; safe to call concurrently.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace fairway::sandbox {

struct TlsMaterial {
  std::string ca_cert_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};

// `dns_names` and `ip_addresses` become the serving certificate's subjectAltNames.
StatusOr<TlsMaterial> GenerateTlsMaterial(const std::vector<std::string>& dns_names,
                                          const std::vector<std::string>& ip_addresses,
                                          int validity_days = 365);

}  // namespace fairway::sandbox
