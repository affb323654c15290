// TLS material generated with the OpenSSL API (EC P-256 keys, SHA-256 signatures): a CA, and
// serving or client certificates signed by it. The sandbox API server serves with it (kubectl
// verifies it through certificate-authority-data) and issues client certificates (CN = user,
// O = groups, as kube-apiserver reads them); the operator's admission webhook serves with it when
// no certificate is mounted (its CA goes into the webhook configurations' caBundle).
//
// Thread-safety: free functions; safe to call concurrently.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace fairway::kube {

// A CA's certificate and private key (PKCS#8 PEM; keep the key in memory or in a Secret).
struct CertificateAuthority {
  std::string cert_pem;
  std::string key_pem;
};

// A certificate issued by a CA, with its own key.
struct IssuedCertificate {
  std::string cert_pem;
  std::string key_pem;
};

// A CA and one serving certificate signed by it.
struct TlsMaterial {
  std::string ca_cert_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};

StatusOr<CertificateAuthority> GenerateCertificateAuthority(const std::string& common_name,
                                                            int validity_days = 365);

// A serving certificate (extendedKeyUsage serverAuth) whose subjectAltNames are `dns_names` and
// `ip_addresses`. kInvalidArgument for an unusable CA PEM.
StatusOr<IssuedCertificate> IssueServerCertificate(const CertificateAuthority& ca,
                                                   const std::vector<std::string>& dns_names,
                                                   const std::vector<std::string>& ip_addresses,
                                                   int validity_days = 365);

// A client certificate (extendedKeyUsage clientAuth): CN = `user`, one O per group.
// kInvalidArgument for an empty user or an unusable CA PEM.
StatusOr<IssuedCertificate> IssueClientCertificate(const CertificateAuthority& ca,
                                                   const std::string& user,
                                                   const std::vector<std::string>& groups,
                                                   int validity_days = 365);

// A new CA and a serving certificate for `dns_names` and `ip_addresses`.
StatusOr<TlsMaterial> GenerateTlsMaterial(const std::vector<std::string>& dns_names,
                                          const std::vector<std::string>& ip_addresses,
                                          int validity_days = 365);

}  // namespace fairway::kube
