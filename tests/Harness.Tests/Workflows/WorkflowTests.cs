using System.Text.RegularExpressions;
using Harness.Tests.Reporting;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Harness.Tests.Workflows;

/// <summary>The GitHub workflows parse, have the jobs and guards they need, and point only at files that exist.</summary>
public sealed partial class WorkflowTests
{
    private static string Root => RecordedRun.RepositoryRoot;

    public static TheoryData<string> Workflows => new("ci.yml", "nightly.yml");

    [Fact]
    public void Ci_builds_tests_and_runs_the_embedded_suite_on_every_push_and_pull_request()
    {
        var ci = Load("ci.yml");
        var on = Map(ci, "on");
        Assert.True(on.Children.ContainsKey("push"));
        Assert.True(on.Children.ContainsKey("pull_request"));
        var scripts = string.Join('\n', Steps(ci).Select(s => Text(s, "run")));
        Assert.Contains("bash ci/test.sh", scripts);
        Assert.Contains("bash ci/run-scenarios.sh", scripts);
        Assert.Contains("dotnet build Harness.sln", scripts);
        Assert.Equal(["tests", "scenarios"], Jobs(ci).Select(j => j.Name));
    }

    [Fact]
    public void Ci_reports_the_suites_run_never_the_negative_controls()
    {
        // The control writes below <output>/negative-control/<run-id>/, one level deeper than any */results.json.
        Assert.Equal("negative-control", Harness.Fixtures.NegativeControlFixture.RunFolder);
        var find = Assert.Single(Steps(Load("ci.yml")), s => Text(s, "id") == "run");
        Assert.Contains("artifacts/runs/*/results.json", Text(find, "run"));
        Assert.Contains("/*/results.json", File.ReadAllText(Path.Combine(Root, "ci", "run-scenarios.sh")));
    }

    [Fact]
    public void Nightly_runs_on_the_self_hosted_testbed_one_run_at_a_time()
    {
        var nightly = Load("nightly.yml");
        var on = Map(nightly, "on");
        var cron = Assert.Single(((YamlSequenceNode)on["schedule"]).Children.Cast<YamlMappingNode>()).Children[new YamlScalarNode("cron")].ToString();
        Assert.NotEqual("0", cron.Split(' ')[0]); // not on the hour, when every other scheduled job starts
        var inputs = Map(Map(on, "workflow_dispatch"), "inputs");
        Assert.Equal(["backend", "node", "scenario_filter"], inputs.Children.Keys.Select(k => k.ToString()));

        var concurrency = Map(nightly, "concurrency");
        Assert.Equal("false", concurrency["cancel-in-progress"].ToString());
        Assert.DoesNotContain("${{", concurrency["group"].ToString()); // fixed: every run contends for the same testbed

        var (_, job) = Assert.Single(Jobs(nightly));
        Assert.Equal(["self-hosted", "proxmox"], ((YamlSequenceNode)job["runs-on"]).Children.Select(c => c.ToString()));
        Assert.Equal("${{ secrets.HARNESS_PVE_TOKEN_SECRET }}", Map(job, "env")["HARNESS_PVE_TOKEN_SECRET"].ToString());
        var scripts = string.Join('\n', Steps(nightly).Select(s => Text(s, "run")));
        Assert.Contains("--step-summary", scripts);
        Assert.Contains(" compare ", scripts);
    }

    [Fact]
    public void Nightly_keeps_the_history_even_when_it_fails_then_runs_the_history_gate_and_publishes_its_page()
    {
        var steps = Steps(Load("nightly.yml")).ToList();
        int Index(Func<YamlMappingNode, bool> match, string what)
        {
            var i = steps.FindIndex(s => match(s));
            Assert.True(i >= 0, $"nightly.yml has no step that {what}");
            return i;
        }
        var restore = Index(s => Text(s, "uses").StartsWith("actions/cache/restore@", StringComparison.Ordinal), "restores the history");
        var scenarios = Index(s => Text(s, "run").Contains("ci/run-scenarios.sh", StringComparison.Ordinal), "runs the scenarios");
        var keep = Index(s => Text(s, "run").Contains("$HISTORY_DIR/$id", StringComparison.Ordinal), "adds the run to the history");
        var save = Index(s => Text(s, "uses").StartsWith("actions/cache/save@", StringComparison.Ordinal), "saves the history");
        var gate = Index(s => Text(s, "run").Contains(" history ", StringComparison.Ordinal), "runs the history command");
        var upload = Index(s => Text(s, "uses").StartsWith("actions/upload-artifact", StringComparison.Ordinal) && Map(s, "with")["path"].ToString().Contains("history", StringComparison.Ordinal), "uploads the history page");
        Assert.True(restore < scenarios && scenarios < keep && keep < save && save < gate && gate < upload, "history steps out of order");

        // A cache key is written once: each night (and each re-run) saves under its own, and restores the newest by prefix.
        var key = Map(steps[save], "with")["key"].ToString();
        Assert.Equal(key, Map(steps[restore], "with")["key"].ToString());
        Assert.Contains("${{ github.run_id }}", key);
        Assert.Contains("${{ github.run_attempt }}", key);
        Assert.StartsWith(Map(steps[restore], "with")["restore-keys"].ToString(), key);
        Assert.Equal(Map(steps[restore], "with")["path"].ToString(), Map(steps[save], "with")["path"].ToString());
        foreach (var i in new[] { keep, save, gate }) Assert.StartsWith("always()", Text(steps[i], "if"));
        Assert.Contains("head -n -60", Text(steps[keep], "run"));

        var command = Text(steps[gate], "run");
        Assert.Contains("--step-summary", command);
        Assert.Contains("--out artifacts/history-page/", command);
        var acknowledgements = Regex.Match(command, @"--acknowledgements\s+(\S+)").Groups[1].Value;
        // Every entry of the committed file has a run, a reason and an expiry date, or the gate would stop on it.
        Assert.NotNull(Harness.History.Acknowledgement.Load(Path.Combine(Root, acknowledgements)));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_job_has_a_timeout_and_uploads_artifacts_even_on_failure(string file)
    {
        var workflow = Load(file);
        foreach (var (name, job) in Jobs(workflow))
        {
            Assert.True(job.Children.ContainsKey("timeout-minutes"), $"{file}: job {name} has no timeout-minutes");
            var uploads = Steps(job).Where(s => Text(s, "uses").StartsWith("actions/upload-artifact", StringComparison.Ordinal)).ToArray();
            Assert.NotEmpty(uploads);
            Assert.All(uploads, u => Assert.Equal("always()", Text(u, "if")));
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Every_referenced_script_and_file_exists(string file)
    {
        var workflow = Load(file);
        var referenced = new List<string>();
        foreach (var step in Steps(workflow))
        {
            referenced.AddRange(RepoPath().Matches(Text(step, "run")).Select(m => m.Value));
            if (Text(step, "uses") is ['.', '/', ..] local) referenced.Add(local[2..]);
            if (step.Children.TryGetValue("with", out var with))
            {
                referenced.AddRange(((YamlMappingNode)with).Children
                    .Where(p => p.Key.ToString().EndsWith("-file", StringComparison.Ordinal))
                    .Select(p => p.Value.ToString()));
            }
        }
        Assert.NotEmpty(referenced);
        Assert.All(referenced, path => Assert.True(
            File.Exists(Path.Combine(Root, path)) || Directory.Exists(Path.Combine(Root, path)),
            $"{file} refers to {path}, which is not in the repository"));
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Scripts_take_inputs_from_the_environment_never_pasted_in(string file)
    {
        // ${{ inputs.x }} inside run: would let a dispatcher inject shell code.
        Assert.All(Steps(Load(file)), s => Assert.DoesNotMatch(@"\$\{\{\s*(inputs|github\.event)\.", Text(s, "run")));
    }

    // Paths into the repository's own folders, and the solution, as they appear in shell lines.
    [GeneratedRegex(@"(?<![\w/.$-])(?:\.?ci|src|tests|docs)/[\w./-]*\w|(?<![\w/.-])Harness\.sln\b")]
    private static partial Regex RepoPath();

    private static YamlMappingNode Load(string file)
    {
        var path = Path.Combine(Root, ".github", "workflows", file);
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path)) yaml.Load(reader);
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var child) ? Assert.IsType<YamlMappingNode>(child) : throw new Xunit.Sdk.XunitException($"no '{key}' mapping");

    private static IEnumerable<(string Name, YamlMappingNode Job)> Jobs(YamlMappingNode workflow) =>
        Map(workflow, "jobs").Children.Select(j => (j.Key.ToString(), (YamlMappingNode)j.Value));

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode workflowOrJob) =>
        workflowOrJob.Children.ContainsKey("jobs")
            ? Jobs(workflowOrJob).SelectMany(j => Steps(j.Job))
            : ((YamlSequenceNode)workflowOrJob["steps"]).Children.Cast<YamlMappingNode>();

    private static string Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? value.ToString() : "";
}
