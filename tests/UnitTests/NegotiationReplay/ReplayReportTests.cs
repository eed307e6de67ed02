using EventShadow.Negotiator.Manifests;
using EventShadow.NegotiationReplay;

namespace EventShadow.UnitTests.NegotiationReplay;

public class ReplayReportTests
{
    [Fact]
    public void Slack_is_unused_share_of_committed_memory()
    {
        var outcome = new ReplayOutcome(1, "cart", "Committed", 1, 400, 300, 0, null);

        Assert.Equal(0.25, outcome.Slack);
        Assert.Null((outcome with { CommittedMiB = null }).Slack);
    }

    [Fact]
    public void Summarize_averages_slack_and_attempts_and_sums_kills()
    {
        ReplayOutcome[] outcomes =
        [
            new(1, "a", "Committed", 1, 400, 300, 0, null),
            new(1, "b", "Committed", 3, 200, 180, 2, null),
            new(1, "c", "Failed", 4, null, null, 0, "no room"),
        ];

        var summary = ReplayReport.Summarize("round 1", outcomes);

        Assert.Equal(3, summary.Negotiations);
        Assert.Equal(2, summary.Committed);
        Assert.Equal(0.175, summary.MeanSlack, precision: 6);
        Assert.Equal(120.0 / 600, summary.PooledSlack, precision: 6);
        Assert.Equal(2, summary.PostCommitOomKills);
        Assert.Equal(8.0 / 3, summary.MeanAttempts, precision: 6);
    }

    [Fact]
    public void Markdown_has_row_per_negotiation_and_summaries()
    {
        var markdown = ReplayReport.ToMarkdown([new(2, "cart", "Committed", 1, 64, 56.5, 0, null)]);

        Assert.Contains("| 2 | cart | Committed | 1 | 64 | 56.5 | 11.7% | 0 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| round 2 | 1 | 1 | 11.7% | 11.7% | 0 | 1.00 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| all | 1 | 1 | 11.7% | 11.7% | 0 | 1.00 |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Mix_manifests_read_as_deployments_without_resources()
    {
        foreach (var workload in WorkloadMix.Default)
        {
            var task = Assert.Single(ManifestReader.Read(workload.ToManifest(), $"{workload.Name}.yaml"));

            Assert.Equal($"Deployment/{workload.Name}/{workload.Name}", task.Name);
            Assert.Equal(workload.Args, task.Container.Args);
            Assert.Null(task.Container.Limits.MemoryMiB);
        }
    }

    [Fact]
    public void OomKills_are_read_from_oom_control()
    {
        Assert.Equal(3, PostCommitCheck.ParseOomKills("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"));
        Assert.Equal(0, PostCommitCheck.ParseOomKills("oom_kill_disable 0\n"));
        Assert.Equal(1048576, PostCommitCheck.ParseBytes("1048576\n"));
    }

    [Fact]
    public void Options_reject_unknown_and_invalid_values()
    {
        Assert.Equal(5, ReplayOptions.Parse(["--rounds", "5"])!.Rounds);
        Assert.Null(ReplayOptions.Parse(["--rounds", "0"]));
        Assert.Null(ReplayOptions.Parse(["--bogus", "1"]));
        Assert.Null(ReplayOptions.Parse(["--rounds"]));
    }
}
