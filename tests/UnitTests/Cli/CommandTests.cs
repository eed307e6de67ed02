using System.Text.Json;
using EventShadow.Cli;

namespace EventShadow.UnitTests.Cli;

/// <summary>The whole command line, from arguments to output and exit code, against an in-memory Negotiator.</summary>
public sealed class CommandTests : IDisposable
{
    private const string Committed = """{"cpuMillicores":250,"memoryMiB":512}""";

    private readonly string folder = Directory.CreateTempSubdirectory("eventshadow-cli-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task Submit_reports_each_file_and_continues_after_rejection()
    {
        Write("a-bad.yaml");
        Write("b-redis.yaml");
        var server = new FakeNegotiator()
            .Reject("a-bad.yaml", """{"title":"Invalid definition","status":400,"detail":"no containers","errors":{"spec":["missing"]}}""")
            .Accept("b-redis.yaml", ("n-1", "Deployment/redis/redis"));
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("submit", folder, "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("Found 2 definition files:", cli.Output, StringComparison.Ordinal);
        Assert.Contains("a-bad.yaml: rejected with HTTP 400: no containers", cli.Output, StringComparison.Ordinal);
        Assert.Contains("spec: missing", cli.Output, StringComparison.Ordinal);
        Assert.Contains("b-redis.yaml: accepted, 1 negotiation", cli.Output, StringComparison.Ordinal);
        Assert.Contains("n-1  Deployment/redis/redis", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_prints_commit_at_submission()
    {
        Write("redis.yaml");
        var server = new FakeNegotiator().AcceptCommitted("redis.yaml", "n-1", "Deployment/redis/redis", Committed, "default");
        var cli = new CliRun(server);

        await cli.RunAsync("submit", folder, "--server", CliRun.Server);

        Assert.Contains(
            "n-1  Deployment/redis/redis  committed 250m/512 MiB in pool default from history, without a trial",
            cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejection_names_source_once()
    {
        Write("huge.yaml");
        var server = new FakeNegotiator()
            .Reject("huge.yaml", """{"title":"Invalid definition","status":400,"detail":"huge.yaml: 15Ti at document 1 asks for too much"}""");
        var cli = new CliRun(server);

        await cli.RunAsync("submit", folder, "--server", CliRun.Server);

        Assert.Contains("huge.yaml: rejected with HTTP 400: 15Ti at document 1 asks for too much", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_reports_file_not_in_utf8()
    {
        File.WriteAllBytes(Path.Combine(folder, "latin1.yaml"), [.. "value: caf"u8, 0xE9, (byte)'\n']);
        var server = new FakeNegotiator();
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("submit", folder, "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("latin1.yaml: the file is not valid UTF-8 text", cli.Output, StringComparison.Ordinal);
        Assert.Empty(server.PostedBodies);
    }

    [Fact]
    public async Task Submit_follow_escapes_control_characters_from_server()
    {
        Write("redis.yaml");
        var server = new FakeNegotiator()
            .Accept("redis.yaml", ("n-1", "Deployment/redis/redis"))
            .Views("n-1", Views.Negotiation("n-1", "Failed", failureReason: "\"no \\u001b[2Jpool\""));
        var cli = new CliRun(server);

        await cli.RunAsync("submit", folder, "--follow", "--interval", "0.01", "--server", CliRun.Server);

        Assert.DoesNotContain('\u001b', cli.Output);
        Assert.Contains("no \\u001B[2Jpool", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_follow_prints_progress_and_summary()
    {
        Write("redis.yaml");
        var server = new FakeNegotiator()
            .Accept("redis.yaml", ("n-1", "Deployment/redis/redis"))
            .Views(
                "n-1",
                "",
                Views.Negotiation("n-1", "Validating", Views.OomKilledAttempt.Replace("\"validation\":{", "\"validation\":null,\"x\":{", StringComparison.Ordinal)),
                Views.Negotiation("n-1", "Committed", $"{Views.OomKilledAttempt},{Views.PassedSecondAttempt}", Committed));
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("submit", folder, "--follow", "--interval", "0.01", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("[Deployment/redis/redis] attempt 1 proposed 250m/256 MiB", cli.Output, StringComparison.Ordinal);
        Assert.Contains("[Deployment/redis/redis] attempt 1 OOM-killed, peak 256 MiB", cli.Output, StringComparison.Ordinal);
        Assert.Contains("[Deployment/redis/redis] committed 250m/512 MiB after 2 attempts", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Summary", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Committed", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_follow_failed_negotiation_exits_1()
    {
        Write("redis.yaml");
        var server = new FakeNegotiator()
            .Accept("redis.yaml", ("n-1", "Deployment/redis/redis"))
            .Views("n-1", Views.Negotiation("n-1", "Failed", Views.OomKilledAttempt, failureReason: "\"attempt limit reached\""));
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("submit", folder, "--follow", "--interval", "0.01", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("attempt limit reached", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_follow_timeout_exits_4()
    {
        Write("redis.yaml");
        var server = new FakeNegotiator()
            .Accept("redis.yaml", ("n-1", "Deployment/redis/redis"))
            .Views("n-1", Views.Negotiation("n-1", "Validating", Views.ProposedSecondAttempt));
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("submit", folder, "--follow", "--timeout", "1", "--interval", "0.05", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.TimedOut, exitCode);
        Assert.Contains("timed out while Validating", cli.Output, StringComparison.Ordinal);
        Assert.Contains("Timed out", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_json_prints_one_document_with_server_bodies()
    {
        Write("redis.yaml");
        var view = Views.Negotiation("n-1", "Committed", Views.PassedSecondAttempt, Committed);
        var server = new FakeNegotiator().Accept("redis.yaml", ("n-1", "Deployment/redis/redis")).Views("n-1", view);
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("submit", folder, "--follow", "--json", "--interval", "0.01", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Success, exitCode);
        using var document = JsonDocument.Parse(cli.Json);
        var file = document.RootElement.GetProperty("files")[0];
        Assert.Equal(202, file.GetProperty("status").GetInt32());
        Assert.Equal("n-1", file.GetProperty("response").GetProperty("id").GetString());
        var result = document.RootElement.GetProperty("results")[0];
        Assert.Equal("Committed", result.GetProperty("outcome").GetString());
        Assert.Equal(512, result.GetProperty("negotiation").GetProperty("allocation").GetProperty("memoryMiB").GetInt32());
        Assert.Empty(cli.Output);
        Assert.Contains("committed 250m/512 MiB", cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_to_closed_port_exits_3_with_hint()
    {
        Write("redis.yaml");
        var cli = new CliRun();

        var exitCode = await cli.RunAsync("submit", folder, "--server", $"http://127.0.0.1:{NegotiatorClientTests.ClosedPort()}");

        Assert.Equal(ExitCodes.ServerUnreachable, exitCode);
        Assert.Contains("unreachable", cli.Error, StringComparison.Ordinal);
        Assert.Contains("infra/services.sh start", cli.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("submit", "/nonexistent/eventshadow-definitions")]
    [InlineData("submit", "{folder}", "--timeout", "0")]
    [InlineData("submit", "{folder}", "--server", "ftp://example")]
    [InlineData("list", "--status", "Done")]
    [InlineData("list", "--limit", "0")]
    [InlineData("frobnicate")]
    public async Task Invalid_command_line_exits_2(params string[] args)
    {
        Write("redis.yaml");
        var cli = new CliRun(new FakeNegotiator());

        var exitCode = await cli.RunAsync(args.Select(arg => arg.Replace("{folder}", folder, StringComparison.Ordinal)).ToArray());

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.NotEmpty(cli.Error);
    }

    [Fact]
    public async Task Empty_folder_exits_2()
    {
        var cli = new CliRun(new FakeNegotiator());

        var exitCode = await cli.RunAsync("submit", folder);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("No definition files", cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_arguments_print_help_and_exit_2()
    {
        var cli = new CliRun();

        var exitCode = await cli.RunAsync();

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("EXIT CODES:", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_exit_codes()
    {
        var cli = new CliRun();

        var exitCode = await cli.RunAsync("submit", "--help");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("EXIT CODES:", cli.Output, StringComparison.Ordinal);
        Assert.Contains("server unreachable", cli.Output, StringComparison.Ordinal);
        Assert.Contains("timed out while following", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_retries_while_view_catches_up()
    {
        var server = new FakeNegotiator().Views("n-1", "", Views.Negotiation("n-1", "Committed", Views.PassedSecondAttempt, Committed));
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("show", "n-1", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("Attempt 2: 250m/512 MiB", cli.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_malformed_id_is_usage_error()
    {
        var server = new FakeNegotiator().Malformed("nope", """{"title":"Invalid negotiation id","status":400,"detail":"'nope' is not a GUID."}""");
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("show", "nope", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("'nope' is not a GUID.", cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_json_is_server_body()
    {
        var json = Views.Negotiation("n-1", "Failed", Views.OomKilledAttempt, failureReason: "\"no pool\"");
        var cli = new CliRun(new FakeNegotiator().Views("n-1", json));

        var exitCode = await cli.RunAsync("show", "n-1", "--json", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Equal(json, cli.Json.TrimEnd('\n'));
    }

    [Fact]
    public async Task List_prints_table()
    {
        var server = new FakeNegotiator
        {
            ListBody = """{"items":[{"id":"n-1","task":"Pod/web","status":"Failed","allocation":null,"attempts":3,"updatedAt":null}],"total":1}""",
        };
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("list", "--status", "failed", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("Pod/web", cli.Output, StringComparison.Ordinal);
        Assert.Contains("status=Failed", server.Requests[0].RequestUri!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_sends_several_statuses()
    {
        var server = new FakeNegotiator { ListBody = """{"items":[],"total":0}""" };
        var cli = new CliRun(server);

        var exitCode = await cli.RunAsync("list", "--status", "validating, proposed", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("status=Validating%2CProposed", server.Requests[0].RequestUri!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_rejects_unknown_status_in_list()
    {
        var cli = new CliRun(new FakeNegotiator());

        var exitCode = await cli.RunAsync("list", "--status", "Failed,Done", "--server", CliRun.Server);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("Invalid --status 'Done'", cli.Error + cli.Output, StringComparison.Ordinal);
    }

    private void Write(string name) => File.WriteAllText(Path.Combine(folder, name), "kind: Deployment\n");
}
