#include "webhook/certificates.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "kube/tls_material.h"

namespace fairway::webhook {
namespace {

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("webhook-certs-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(CertificatesTest, ServiceDnsNames) {
  EXPECT_EQ(ServiceDnsNames("fairway-webhook", "fairway-system"),
            std::vector<std::string>({"fairway-webhook", "fairway-webhook.fairway-system",
                                      "fairway-webhook.fairway-system.svc",
                                      "fairway-webhook.fairway-system.svc.cluster.local"}));
}

TEST(CertificatesTest, GeneratesWhenNoFilesAreMounted) {
  TempDir dir;
  for (const std::string& cert_dir : {std::string(), dir.path()}) {
    StatusOr<ServingCertificate> c =
        LoadOrGenerateServingCertificate(cert_dir, ServiceDnsNames("wh", "ns"));
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_TRUE(c->generated);
    EXPECT_NE(c->ca_pem.find("BEGIN CERTIFICATE"), std::string::npos);
    EXPECT_TRUE(CheckCertificatePair(c->cert_pem, c->key_pem).ok());
  }
}

TEST(CertificatesTest, LoadsCertManagerFiles) {
  TempDir dir;
  StatusOr<kube::TlsMaterial> m = kube::GenerateTlsMaterial({"wh.ns.svc"}, {});
  ASSERT_TRUE(m.ok());
  dir.Write("tls.crt", m->server_cert_pem);
  dir.Write("tls.key", m->server_key_pem);
  StatusOr<ServingCertificate> c = LoadOrGenerateServingCertificate(dir.path(), {"ignored"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE(c->generated);
  EXPECT_EQ(c->cert_pem, m->server_cert_pem);
  EXPECT_EQ(c->key_pem, m->server_key_pem);
  EXPECT_EQ(c->ca_pem, "");
  dir.Write("ca.crt", m->ca_cert_pem);
  c = LoadOrGenerateServingCertificate(dir.path(), {"ignored"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->ca_pem, m->ca_cert_pem);
}

TEST(CertificatesTest, RejectsHalfAPairAndMismatches) {
  TempDir dir;
  StatusOr<kube::TlsMaterial> a = kube::GenerateTlsMaterial({"a"}, {});
  StatusOr<kube::TlsMaterial> b = kube::GenerateTlsMaterial({"b"}, {});
  ASSERT_TRUE(a.ok() && b.ok());
  dir.Write("tls.crt", a->server_cert_pem);
  StatusOr<ServingCertificate> c = LoadOrGenerateServingCertificate(dir.path(), {});
  EXPECT_EQ(c.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(c.status().message(), dir.path() + " holds tls.crt but not tls.key");

  dir.Write("tls.key", b->server_key_pem);
  c = LoadOrGenerateServingCertificate(dir.path(), {});
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), dir.path() + ": tls.key does not match tls.crt");

  dir.Write("tls.key", "garbage");
  c = LoadOrGenerateServingCertificate(dir.path(), {});
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message().rfind(dir.path() + ": tls.key is not a PEM private key", 0), 0u)
      << c.status();
}

}  // namespace
}  // namespace fairway::webhook
