// The install manifests carry copies of files that live elsewhere in the repository (Helm and
// kustomize load nothing outside their own directories): the CRDs in charts/fairway/crds/ and
// deploy/base/crds/, and the scheduler settings in deploy/base/settings/ and the chart's
// values.yaml, and the Grafana dashboard in deploy/monitoring/dashboards/. These tests keep the
// copies byte-identical to crds/, sim/settings/fairway.yaml and charts/fairway/dashboards/.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = FAIRWAY_REPO_ROOT;

std::string Read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> YamlFiles(const fs::path& dir) {
  std::set<std::string> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".yaml") out.insert(e.path().filename().string());
  }
  return out;
}

void ExpectSameCrds(const fs::path& copy_dir) {
  std::set<std::string> source = YamlFiles(kRoot / "crds");
  ASSERT_FALSE(source.empty());
  EXPECT_EQ(YamlFiles(copy_dir), source) << copy_dir << " must hold exactly the CRDs of crds/";
  for (const std::string& f : source) {
    EXPECT_EQ(Read(copy_dir / f), Read(kRoot / "crds" / f))
        << (copy_dir / f) << " differs from crds/" << f << "; copy it again: cp crds/*.yaml "
        << copy_dir.lexically_relative(kRoot).string() << "/";
  }
}

TEST(DeploySyncTest, ChartCrdsEqualTheRepositoryCrds) {
  ExpectSameCrds(kRoot / "charts/fairway/crds");
}

TEST(DeploySyncTest, KustomizeCrdsEqualTheRepositoryCrds) {
  ExpectSameCrds(kRoot / "deploy/base/crds");
}

TEST(DeploySyncTest, SettingsCopiesEqualSimSettings) {
  const std::string settings = Read(kRoot / "sim/settings/fairway.yaml");
  ASSERT_FALSE(settings.empty());
  EXPECT_EQ(Read(kRoot / "deploy/base/settings/fairway.yaml"), settings);

  // values.yaml: the block scalar after "settings: |", indented by four spaces.
  std::istringstream values(Read(kRoot / "charts/fairway/values.yaml"));
  std::string line, block;
  bool in = false;
  while (std::getline(values, line)) {
    if (!in) {
      in = line == "settings: |";
      continue;
    }
    if (!line.empty() && line.rfind("    ", 0) != 0) break;
    block += (line.empty() ? "" : line.substr(4)) + "\n";
  }
  ASSERT_TRUE(in) << "values.yaml has no 'settings: |' block";
  EXPECT_EQ(block, settings);
}

TEST(DeploySyncTest, KustomizeDashboardEqualsTheChartDashboard) {
  const std::string dashboard = Read(kRoot / "charts/fairway/dashboards/fairway.json");
  ASSERT_FALSE(dashboard.empty());
  EXPECT_EQ(Read(kRoot / "deploy/monitoring/dashboards/fairway.json"), dashboard)
      << "copy it again: cp charts/fairway/dashboards/fairway.json deploy/monitoring/dashboards/";
}

}  // namespace
