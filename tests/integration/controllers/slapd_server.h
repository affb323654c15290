// A real OpenLDAP server (Debian's slapd) for the directory sync tests: a throw-away directory
// under a temp dir (slapd.conf + mdb database loaded with slapadd), served on free loopback
// ports (ldap:// and ldaps://) with `slapd -f`, no root-only paths. Stop() and Start() again keep
// the data, so a test can take the server down and bring it back. Members change through libldap as
// the rootdn.
//
// Thread-safety: one test thread.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ldap.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace fairway::controllers::testing {

inline constexpr char kSlapd[] = "/usr/sbin/slapd";
inline constexpr char kSlapadd[] = "/usr/sbin/slapadd";
inline constexpr char kLdapBase[] = "dc=example,dc=org";
inline constexpr char kLdapAdminDn[] = "cn=admin,dc=example,dc=org";
inline constexpr char kLdapAdminPassword[] = "s3cret";

class SlapdServer {
 public:
  static bool Available() { return access(kSlapd, X_OK) == 0 && access(kSlapadd, X_OK) == 0; }

  // Writes the config and loads `ldif` (entries below dc=example,dc=org; the suffix entry is
  // added here). The server also speaks ldaps:// (tls_url()) with a self-signed certificate for
  // 127.0.0.1 (ca_file()), made with the openssl command.
  void Create(const std::string& ldif) {
    char tmpl[] = "/tmp/fairway-slapd-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::create_directory(dir_ + "/db");
    const std::string cert =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1"
        " -addext subjectAltName=IP:127.0.0.1 -keyout " +
        dir_ + "/key.pem -out " + ca_file() + " >" + dir_ + "/openssl.log 2>&1";
    ASSERT_EQ(std::system(cert.c_str()), 0) << ReadLog("openssl.log");
    std::ofstream(dir_ + "/slapd.conf")
        << "include /etc/ldap/schema/core.schema\n"
           "include /etc/ldap/schema/cosine.schema\n"
           "include /etc/ldap/schema/nis.schema\n"
           "include /etc/ldap/schema/inetorgperson.schema\n"
           "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        << "pidfile " << dir_ << "/slapd.pid\n"
        << "TLSCertificateFile " << ca_file() << "\nTLSCertificateKeyFile " << dir_ << "/key.pem\n"
        << "database mdb\nmaxsize 10485760\nsuffix \"" << kLdapBase << "\"\n"
        << "rootdn \"" << kLdapAdminDn << "\"\nrootpw " << kLdapAdminPassword << "\n"
        << "directory " << dir_ << "/db\n";
    std::ofstream(dir_ + "/data.ldif") << "dn: " << kLdapBase
                                       << "\nobjectClass: dcObject\nobjectClass: organization\n"
                                          "o: Example\ndc: example\n\n"
                                       << ldif;
    const std::string load = std::string(kSlapadd) + " -q -f " + dir_ + "/slapd.conf -l " + dir_ +
                             "/data.ldif >" + dir_ + "/slapadd.log 2>&1";
    ASSERT_EQ(std::system(load.c_str()), 0) << ReadLog("slapadd.log");
    port_ = FreePort();
    tls_port_ = FreePort();
  }

  // Starts slapd (it daemonizes) and waits until it answers a bind.
  void Start() {
    const std::string cmd = std::string(kSlapd) + " -f " + dir_ + "/slapd.conf -h '" + url() + " " +
                            tls_url() + "' >" + dir_ + "/slapd.log 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << ReadLog("slapd.log");
    for (int i = 0; i < 100; ++i) {
      if (LDAP* ld = Bind()) {
        ldap_unbind_ext_s(ld, nullptr, nullptr);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "slapd did not answer on " << url() << ": " << ReadLog("slapd.log");
  }

  void Stop() {
    std::ifstream in(dir_ + "/slapd.pid");
    pid_t pid = 0;
    if (!(in >> pid) || pid <= 0) return;
    // SIGKILL, as a crash: slapd takes about 2 s to stop on SIGTERM, and mdb survives a kill.
    kill(pid, SIGKILL);
    for (int i = 0; i < 200 && Running(pid); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::filesystem::remove(dir_ + "/slapd.pid");
  }

  ~SlapdServer() {
    Stop();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string url() const { return "ldap://127.0.0.1:" + std::to_string(port_) + "/"; }
  std::string tls_url() const { return "ldaps://127.0.0.1:" + std::to_string(tls_port_) + "/"; }
  std::string ca_file() const { return dir_ + "/cert.pem"; }

  // Adds (or deletes) one value of `attribute` on `dn`.
  void Modify(const std::string& dn, const std::string& attribute, const std::string& value,
              bool add) {
    LDAP* ld = Bind();
    ASSERT_NE(ld, nullptr);
    std::string attr = attribute, val = value;
    char* values[] = {val.data(), nullptr};
    LDAPMod mod{add ? LDAP_MOD_ADD : LDAP_MOD_DELETE, attr.data(), {values}};
    LDAPMod* mods[] = {&mod, nullptr};
    int rc = ldap_modify_ext_s(ld, dn.c_str(), mods, nullptr, nullptr);
    ldap_unbind_ext_s(ld, nullptr, nullptr);
    ASSERT_EQ(rc, LDAP_SUCCESS) << ldap_err2string(rc);
  }

 private:
  LDAP* Bind() const {
    LDAP* ld = nullptr;
    if (ldap_initialize(&ld, url().c_str()) != LDAP_SUCCESS) return nullptr;
    const int version = LDAP_VERSION3;
    ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
    std::string pw = kLdapAdminPassword;
    struct berval cred = {static_cast<ber_len_t>(pw.size()), pw.data()};
    if (ldap_sasl_bind_s(ld, kLdapAdminDn, LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr) !=
        LDAP_SUCCESS) {
      ldap_unbind_ext_s(ld, nullptr, nullptr);
      return nullptr;
    }
    return ld;
  }

  // Alive and not a zombie (the daemonized slapd's reaper may be slow to collect it).
  static bool Running(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    return stat >> pid_field >> comm >> state && state != "Z";
  }

  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
  }

  std::string ReadLog(const std::string& name) const {
    std::ifstream in(dir_ + "/" + name);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::string dir_;
  int port_ = 0;
  int tls_port_ = 0;
};

}  // namespace fairway::controllers::testing
