// What `kubectl fairway jupyter|code` runs: flags over partition annotations over defaults, the
// {port}/{token} expansion, the session token and the printed URL.
#include "cli/notebook_config.h"

#include <gtest/gtest.h>

#include <set>

namespace fairway::cli {
namespace {

nlohmann::json PartitionWith(nlohmann::json annotations) {
  return {{"metadata", {{"name", "gpu"}, {"annotations", std::move(annotations)}}}};
}

TEST(NotebookConfigTest, DefaultsWithoutFlagsOrAnnotations) {
  NotebookServer j = ResolveNotebookServer(NotebookKind::kJupyter, "", "", 0, nullptr);
  EXPECT_EQ(j.image, "quay.io/jupyter/base-notebook");
  EXPECT_EQ(j.port, 8888);
  EXPECT_NE(j.command.find("jupyter lab"), std::string::npos);
  NotebookServer c = ResolveNotebookServer(NotebookKind::kCode, "", "", 0, nullptr);
  EXPECT_EQ(c.image, "codercom/code-server");
  EXPECT_EQ(c.port, 8080);
  EXPECT_NE(c.command.find("code-server --bind-addr 127.0.0.1:{port}"), std::string::npos);
}

TEST(NotebookConfigTest, PartitionAnnotationsOverrideDefaultsAndFlagsOverrideBoth) {
  const nlohmann::json gpu = PartitionWith({{"fairway.dev/jupyter-image", "cuda-notebook:12"},
                                            {"fairway.dev/jupyter-command", "run-lab {port}"},
                                            {"fairway.dev/code-image", "vscode:gpu"}});
  NotebookServer j = ResolveNotebookServer(NotebookKind::kJupyter, "", "", 0, gpu);
  EXPECT_EQ(j.image, "cuda-notebook:12");
  EXPECT_EQ(j.command, "run-lab {port}");
  NotebookServer c = ResolveNotebookServer(NotebookKind::kCode, "", "", 0, gpu);
  EXPECT_EQ(c.image, "vscode:gpu");
  EXPECT_NE(c.command.find("code-server"), std::string::npos);  // not jupyter's command
  NotebookServer flagged = ResolveNotebookServer(NotebookKind::kJupyter, "mine:1",
                                                 "python3 -m http.server {port}", 9000, gpu);
  EXPECT_EQ(flagged.image, "mine:1");
  EXPECT_EQ(flagged.command, "python3 -m http.server {port}");
  EXPECT_EQ(flagged.port, 9000);
}

TEST(NotebookConfigTest, CommandExpansionReplacesEveryPlaceholder) {
  EXPECT_EQ(ExpandNotebookCommand("a {port} b {token} c {port}{token}", 8888, "t0k"),
            "a 8888 b t0k c 8888t0k");
  EXPECT_EQ(ExpandNotebookCommand("no placeholders", 1, "x"), "no placeholders");
}

TEST(NotebookConfigTest, TokensAreFreshHexSecrets) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::string t = NewSessionToken();
    EXPECT_EQ(t.size(), 32u);
    EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(NotebookConfigTest, UrlCarriesTheToken) {
  EXPECT_EQ(NotebookUrl(NotebookKind::kJupyter, 40123, "abc"),
            "http://127.0.0.1:40123/lab?token=abc");
  EXPECT_EQ(NotebookUrl(NotebookKind::kCode, 40124, "abc"),
            "http://127.0.0.1:40124/ (password abc)");
}

}  // namespace
}  // namespace fairway::cli
