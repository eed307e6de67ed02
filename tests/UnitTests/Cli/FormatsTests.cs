using System.Text.Json;
using EventShadow.Cli.Api;
using EventShadow.Cli.Rendering;

namespace EventShadow.UnitTests.Cli;

public class FormatsTests
{
    private static readonly Allocation Small = new(250, 256);

    [Fact]
    public void Allocation_uses_millicores_and_mebibytes()
    {
        Assert.Equal("250m/256 MiB", Formats.Allocation(Small));
        Assert.Equal("-", Formats.Allocation(null));
    }

    [Theory]
    [InlineData(0, "0.00 EUR")]
    [InlineData(1.5, "1.50 EUR")]
    [InlineData(0.0042, "0.0042 EUR")]
    [InlineData(0.000001, "0.000001 EUR")]
    public void Cost_keeps_small_amounts_visible(double amount, string expected) =>
        Assert.Equal(expected, Formats.Cost(new Cost((decimal)amount, "EUR")));

    [Theory]
    [InlineData(false, 0, "", "not priced yet")]
    [InlineData(false, 0.0042, "USD", "not priced yet")]
    [InlineData(true, 0, "", "none")]
    [InlineData(true, 0, "USD", "0.00 USD")]
    [InlineData(true, 0.0042, "USD", "0.0042 USD")]
    public void Negotiation_cost_marks_unpriced(bool settled, double amount, string currency, string expected)
    {
        var view = new NegotiationView(
            "id", "task", null, null, "Committed", null, null, null, Small, null, new Cost((decimal)amount, currency), null, null, Settled: settled);

        Assert.Equal(expected, Formats.NegotiationCost(view));
    }

    [Fact]
    public void Validation_oom_kill_shows_peak_against_limit()
    {
        var validation = new AttemptValidation(false, "OomKilled", ["memory limit reached"], 256, true, 1, 137, null, null, null);

        Assert.Equal("OOM-killed, peak 256 MiB of 256 MiB", Formats.Validation(validation, Small));
    }

    [Fact]
    public void Validation_repeated_oom_kills_are_counted()
    {
        var validation = new AttemptValidation(false, null, null, null, true, 3, null, null, null, null);

        Assert.Equal("OOM-killed (3 times)", Formats.Validation(validation, Small));
    }

    [Fact]
    public void Validation_pass_shows_readiness_and_throttling()
    {
        var validation = new AttemptValidation(true, null, [], 120.25, false, 0, null, 1.5, 25, 200);

        Assert.Equal(
            "passed, peak 120.3 MiB of 256 MiB, ready in 1.5 s, CPU throttled in 12.5% of 200 periods",
            Formats.Validation(validation, Small));
    }

    [Fact]
    public void Validation_failure_shows_kind_and_exit_code()
    {
        var validation = new AttemptValidation(false, "ExitedEarly", ["process exited"], null, false, 0, 1, null, 0, 0);

        Assert.Equal("failed (ExitedEarly), exit code 1", Formats.Validation(validation, null));
    }

    [Fact]
    public void Problem_lists_detail_then_each_field()
    {
        using var errors = JsonDocument.Parse("""{"spec.containers":["no image","no name"],"source":"too long"}""");
        var problem = new Problem(null, "Bad Request", 400, "The definition is invalid.", errors.RootElement.Clone());

        Assert.Equal(
            ["The definition is invalid.", "spec.containers: no image; no name", "source: too long"],
            Formats.Problem(problem));
    }

    [Fact]
    public void Problem_field_repeating_detail_is_skipped()
    {
        using var errors = JsonDocument.Parse("""{"body":["line 1: not YAML"],"source":"too long"}""");
        var problem = new Problem(null, "Bad Request", 400, "line 1: not YAML", errors.RootElement.Clone());

        Assert.Equal(["line 1: not YAML", "source: too long"], Formats.Problem(problem));
    }

    [Fact]
    public void Problem_without_detail_uses_title_or_status()
    {
        Assert.Equal(["Bad Request"], Formats.Problem(new Problem(null, "Bad Request", 400, null, null)));
        Assert.Equal(["HTTP 413"], Formats.Problem(new Problem(null, null, 413, null, null)));
    }

    [Fact]
    public void Shorten_keeps_short_text_and_cuts_long_text()
    {
        Assert.Equal("short", Formats.Shorten("short", 10));
        Assert.Equal("0123456…", Formats.Shorten("0123456789abc", 8));
        Assert.Equal(8, Formats.Shorten("0123456789abc", 8).Length);
    }
}
