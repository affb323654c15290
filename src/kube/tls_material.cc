#include "kube/tls_material.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace fairway::kube {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
};
template <typename T>
using Ptr = std::unique_ptr<T, Free>;

std::string OpenSslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  char buf[256] = {0};
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  return what + ": " + buf;
}

bool AddName(X509_NAME* name, const char* field, const std::string& value) {
  return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(value.c_str()),
                                    static_cast<int>(value.size()), -1, 0) == 1;
}

bool AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  Ptr<X509_EXTENSION> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// A certificate for `key` with a random positive serial, valid from an hour ago (clock skew) for
// `days` days.
Ptr<X509> NewCert(EVP_PKEY* key, int days) {
  Ptr<X509> cert(X509_new());
  if (!cert) return nullptr;
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof(serial)) != 1) return nullptr;
  serial[0] &= 0x7f;
  Ptr<BIGNUM> bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  if (!bn || X509_set_version(cert.get(), 2) != 1 ||
      BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 24 * 3600) ==
          nullptr ||
      X509_set_pubkey(cert.get(), key) != 1) {
    return nullptr;
  }
  return cert;
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

std::string CertPem(X509* cert) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return {};
  return BioString(bio.get());
}

std::string KeyPem(EVP_PKEY* key) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  return BioString(bio.get());
}

// The subject and extensions that tell a leaf certificate's purpose.
struct LeafProfile {
  std::vector<std::pair<const char*, std::string>> subject;  // in order, e.g. O..., CN
  std::string ext_key_usage;                                 // "serverAuth" / "clientAuth"
  std::string key_usage;
  std::string subject_alt_names;  // "DNS:a,IP:1.2.3.4"; empty: none
};

// Signs a new key's certificate with `ca` for `profile`.
StatusOr<IssuedCertificate> Issue(const CertificateAuthority& ca, const LeafProfile& profile,
                                  int days) {
  Ptr<BIO> cert_bio(BIO_new_mem_buf(ca.cert_pem.data(), static_cast<int>(ca.cert_pem.size())));
  Ptr<BIO> key_bio(BIO_new_mem_buf(ca.key_pem.data(), static_cast<int>(ca.key_pem.size())));
  if (!cert_bio || !key_bio) return InternalError(OpenSslError("reading the CA"));
  Ptr<X509> ca_cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  Ptr<EVP_PKEY> ca_key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!ca_cert || !ca_key) return InvalidArgumentError(OpenSslError("unusable CA PEM"));
  Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return InternalError(OpenSslError("generating a key"));
  Ptr<X509> cert = NewCert(key.get(), days);
  if (!cert) return InternalError(OpenSslError("creating a certificate"));
  X509_NAME* name = X509_get_subject_name(cert.get());
  for (const auto& [field, value] : profile.subject) {
    if (!AddName(name, field, value)) return InternalError(OpenSslError("subject " + value));
  }
  X509* issuer = ca_cert.get();
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)) != 1 ||
      !AddExt(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExt(cert.get(), issuer, NID_key_usage, profile.key_usage) ||
      !AddExt(cert.get(), issuer, NID_ext_key_usage, profile.ext_key_usage) ||
      !AddExt(cert.get(), issuer, NID_authority_key_identifier, "keyid:always") ||
      (!profile.subject_alt_names.empty() &&
       !AddExt(cert.get(), issuer, NID_subject_alt_name, profile.subject_alt_names))) {
    return InternalError(OpenSslError("certificate extensions"));
  }
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) {
    return InternalError(OpenSslError("signing a certificate"));
  }
  IssuedCertificate out{CertPem(cert.get()), KeyPem(key.get())};
  if (out.cert_pem.empty() || out.key_pem.empty()) {
    return InternalError(OpenSslError("encoding a certificate as PEM"));
  }
  return out;
}

}  // namespace

StatusOr<CertificateAuthority> GenerateCertificateAuthority(const std::string& common_name,
                                                            int validity_days) {
  Ptr<EVP_PKEY> key(EVP_EC_gen("P-256"));
  if (!key) return InternalError(OpenSslError("generating the CA key"));
  Ptr<X509> ca = NewCert(key.get(), validity_days);
  if (!ca) return InternalError(OpenSslError("creating the CA certificate"));
  X509_NAME* name = X509_get_subject_name(ca.get());
  if (!AddName(name, "O", "fairway") || !AddName(name, "CN", common_name) ||
      X509_set_issuer_name(ca.get(), name) != 1 ||
      !AddExt(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE") ||
      !AddExt(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") ||
      !AddExt(ca.get(), ca.get(), NID_subject_key_identifier, "hash")) {
    return InternalError(OpenSslError("CA certificate fields"));
  }
  if (X509_sign(ca.get(), key.get(), EVP_sha256()) == 0) {
    return InternalError(OpenSslError("signing the CA certificate"));
  }
  CertificateAuthority out{CertPem(ca.get()), KeyPem(key.get())};
  if (out.cert_pem.empty() || out.key_pem.empty()) {
    return InternalError(OpenSslError("encoding the CA as PEM"));
  }
  return out;
}

StatusOr<IssuedCertificate> IssueServerCertificate(const CertificateAuthority& ca,
                                                   const std::vector<std::string>& dns_names,
                                                   const std::vector<std::string>& ip_addresses,
                                                   int validity_days) {
  LeafProfile p;
  // Clients check the subjectAltNames, never the CN (kubernetes-api.md §8).
  p.subject = {{"O", "fairway"}, {"CN", dns_names.empty() ? "fairway" : dns_names.front()}};
  p.key_usage = "critical,digitalSignature,keyEncipherment";
  p.ext_key_usage = "serverAuth";
  for (const std::string& d : dns_names) {
    p.subject_alt_names += (p.subject_alt_names.empty() ? "DNS:" : ",DNS:") + d;
  }
  for (const std::string& ip : ip_addresses) {
    p.subject_alt_names += (p.subject_alt_names.empty() ? "IP:" : ",IP:") + ip;
  }
  return Issue(ca, p, validity_days);
}

StatusOr<IssuedCertificate> IssueClientCertificate(const CertificateAuthority& ca,
                                                   const std::string& user,
                                                   const std::vector<std::string>& groups,
                                                   int validity_days) {
  if (user.empty()) return InvalidArgumentError("a client certificate needs a user name (CN)");
  LeafProfile p;
  for (const std::string& group : groups) p.subject.emplace_back("O", group);
  p.subject.emplace_back("CN", user);
  p.key_usage = "critical,digitalSignature";
  p.ext_key_usage = "clientAuth";
  return Issue(ca, p, validity_days);
}

StatusOr<TlsMaterial> GenerateTlsMaterial(const std::vector<std::string>& dns_names,
                                          const std::vector<std::string>& ip_addresses,
                                          int validity_days) {
  StatusOr<CertificateAuthority> ca = GenerateCertificateAuthority("fairway-ca", validity_days);
  if (!ca.ok()) return ca.status();
  StatusOr<IssuedCertificate> server =
      IssueServerCertificate(*ca, dns_names, ip_addresses, validity_days);
  if (!server.ok()) return server.status();
  return TlsMaterial{ca->cert_pem, server->cert_pem, server->key_pem};
}

}  // namespace fairway::kube
