using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventShadow.Cli.Api;
using EventShadow.Cli.Following;
using EventShadow.Cli.Rendering;
using EventShadow.Cli.Submission;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EventShadow.Cli.Commands;

public sealed class SubmitSettings : ServerSettings
{
    [CommandArgument(0, "<PATH>")]
    [Description("Definition files, or folders to search recursively for *.yaml, *.yml and *.json (hidden ones skipped).")]
    public string[] Paths { get; set; } = [];

    [CommandOption("-f|--follow")]
    [Description("Poll every negotiation until it is committed or failed, print each change, then a summary.")]
    public bool Follow { get; set; }

    [CommandOption("--timeout <SECONDS>")]
    [Description("With --follow: seconds to wait for all negotiations before exiting with code 4.")]
    [DefaultValue(300)]
    public int TimeoutSeconds { get; set; } = 300;

    [CommandOption("--interval <SECONDS>")]
    [Description("With --follow: seconds between two polls of the server.")]
    [DefaultValue(1.0)]
    public double IntervalSeconds { get; set; } = 1.0;

    [CommandOption("--release")]
    [Description("With --follow: once every negotiation has ended, release each committed allocation, returning its capacity to its pool, as a scheduler does when the task has finished.")]
    public bool Release { get; set; }

    public override Spectre.Console.ValidationResult Validate()
    {
        if (TimeoutSeconds <= 0)
        {
            return Spectre.Console.ValidationResult.Error($"Invalid --timeout {TimeoutSeconds}: expected a number of seconds greater than 0.");
        }

        if (IntervalSeconds is <= 0 or > 60 || double.IsNaN(IntervalSeconds))
        {
            return Spectre.Console.ValidationResult.Error(
                string.Create(CultureInfo.InvariantCulture, $"Invalid --interval {IntervalSeconds}: expected seconds greater than 0 and at most 60."));
        }

        if (Release && !Follow)
        {
            return Spectre.Console.ValidationResult.Error("--release needs --follow: only a followed negotiation is known to be committed.");
        }

        return base.Validate();
    }
}

/// <summary>
/// <c>submit</c>: posts each definition file, reports the negotiations it started or the problem the
/// server found, and with <c>--follow</c> waits for every negotiation to finish. With <c>--release</c>
/// it then hands each committed allocation's capacity back to its pool.
/// </summary>
public sealed class SubmitCommand(CliHost host) : AsyncCommand<SubmitSettings>
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public override async Task<int> ExecuteAsync(CommandContext context, SubmitSettings settings, CancellationToken cancellationToken)
    {
        var server = host.ResolveServer(settings.Server);
        var files = FindFiles(settings.Paths);
        var info = settings.Json ? host.Error : host.Out;
        ListFiles(info, files);

        using var http = host.CreateHttpClient(server, host.ResolveApiKey(settings.ApiKey));
        var client = new NegotiatorClient(http);
        var submissions = new List<Submission>();
        foreach (var file in files)
        {
            submissions.Add(await SubmitFileAsync(client, file, info, cancellationToken));
        }

        var rejected = submissions.Count(submission => submission.Result?.Accepted is null);
        IReadOnlyList<FollowResult> results = [];
        if (settings.Follow)
        {
            var negotiations = submissions.SelectMany(submission => submission.Result?.Negotiations ?? []).ToList();
            results = await FollowAsync(client, negotiations, settings, info, cancellationToken);
        }

        IReadOnlyList<ReleaseResult> releases = [];
        if (settings.Release)
        {
            releases = await ReleaseCommittedAsync(client, results, info, cancellationToken);
        }

        if (settings.Json)
        {
            await host.JsonOut.WriteLineAsync(ToJson(server, submissions, settings.Follow ? results : null, settings.Release ? releases : null).AsMemory(), cancellationToken);
        }
        else if (settings.Follow)
        {
            host.Out.WriteLine();
            host.Out.Write(NegotiationTables.Summary(SummaryRows(submissions, results)));
        }

        var exitCode = ExitCodes.ForSubmission(rejected, results.Select(result => result.Outcome));
        return exitCode == ExitCodes.Success && !releases.All(ReleaseLines.Succeeded) ? ExitCodes.Failure : exitCode;
    }

    /// <summary>
    /// Releases every committed allocation among <paramref name="results"/>, printing one line each.
    /// A release the server rejects is reported, and the others go on.
    /// </summary>
    private static async Task<IReadOnlyList<ReleaseResult>> ReleaseCommittedAsync(
        NegotiatorClient client, IReadOnlyList<FollowResult> results, IAnsiConsole info, CancellationToken cancellationToken)
    {
        var committed = results.Where(result => result.Outcome == FollowOutcome.Committed).ToList();
        if (committed.Count == 0)
        {
            return [];
        }

        info.WriteLine();
        var noun = committed.Count == 1 ? "allocation" : "allocations";
        info.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Releasing {committed.Count} committed {noun}:"));

        var releases = new List<ReleaseResult>();
        foreach (var result in committed)
        {
            var release = await client.ReleaseAsync(result.Id, cancellationToken);
            releases.Add(release);
            ReleaseCommand.WriteLine(info, release);
        }

        return releases;
    }

    private static IReadOnlyList<DefinitionFile> FindFiles(string[] paths)
    {
        IReadOnlyList<DefinitionFile> files;
        try
        {
            files = DefinitionFiles.Find(paths);
        }
        catch (DefinitionPathException ex)
        {
            throw new UsageException(ex.Message);
        }

        if (files.Count == 0)
        {
            var patterns = string.Join(", ", DefinitionFiles.Extensions.Select(extension => "*" + extension));
            throw new UsageException($"No definition files ({patterns}) found in {string.Join(", ", paths)}.");
        }

        return files;
    }

    private static void ListFiles(IAnsiConsole info, IReadOnlyList<DefinitionFile> files)
    {
        var noun = files.Count == 1 ? "file" : "files";
        info.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Found {files.Count} definition {noun}:"));
        foreach (var file in files)
        {
            info.WriteLine($"  {file.Path}");
        }
    }

    private static async Task<Submission> SubmitFileAsync(NegotiatorClient client, DefinitionFile file, IAnsiConsole info, CancellationToken cancellationToken)
    {
        string definition;
        try
        {
            // Strict decoding: a file in another encoding is reported, not sent with its letters replaced.
            var bytes = await File.ReadAllBytesAsync(file.Path, cancellationToken);
            definition = StrictUtf8.GetString(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            info.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{file.Source}: cannot read the file: {ex.Message}[/]");
            return new Submission(file, null, $"cannot read the file: {ex.Message}");
        }
        catch (DecoderFallbackException)
        {
            const string notUtf8 = "the file is not valid UTF-8 text; convert it first, for example with iconv -t UTF-8";
            info.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{file.Source}: {notUtf8}[/]");
            return new Submission(file, null, notUtf8);
        }

        var result = await client.SubmitAsync(file.Source, definition, file.MediaType, cancellationToken);
        if (result.Rejected is { } problem)
        {
            var lines = Formats.Problem(problem);

            // The server's detail usually starts with the source name the CLI sent; it is named once.
            var first = lines[0].StartsWith(file.Source + ": ", StringComparison.Ordinal) ? lines[0][(file.Source.Length + 2)..] : lines[0];
            info.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{file.Source}: rejected with HTTP {result.StatusCode}: {first}[/]");
            foreach (var line in lines.Skip(1))
            {
                info.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]  {line}[/]");
            }

            return new Submission(file, result, Formats.ProblemLine(problem));
        }

        var negotiations = result.Negotiations;
        var noun = negotiations.Count == 1 ? "negotiation" : "negotiations";
        info.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{file.Source}: [green]accepted[/], {negotiations.Count} {noun}");
        foreach (var negotiation in negotiations)
        {
            var committed = negotiation.Allocation is { } allocation
                ? $"  committed {Formats.Allocation(allocation)} in pool {negotiation.Pool} from history, without a trial"
                : "";
            info.WriteLine($"  {negotiation.Id}  {negotiation.Task ?? "-"}{committed}");
        }

        return new Submission(file, result, null);
    }

    private async Task<IReadOnlyList<FollowResult>> FollowAsync(
        NegotiatorClient client, List<SubmittedNegotiation> negotiations, SubmitSettings settings, IAnsiConsole info, CancellationToken cancellationToken)
    {
        if (negotiations.Count == 0)
        {
            return [];
        }

        info.WriteLine();
        var noun = negotiations.Count == 1 ? "negotiation" : "negotiations";
        info.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Following {negotiations.Count} {noun} (timeout {settings.TimeoutSeconds} s):"));

        var options = new FollowOptions(
            TimeSpan.FromSeconds(settings.TimeoutSeconds),
            TimeSpan.FromSeconds(settings.IntervalSeconds),
            FollowOptions.DefaultNotFoundGrace,
            FollowOptions.DefaultUnreachableGrace,
            FollowOptions.DefaultCostGrace);
        var follower = new NegotiationFollower(client, options, host.Time);
        return await follower.FollowAsync(negotiations, line => info.WriteLine(line), cancellationToken);
    }

    private static List<SummaryRow> SummaryRows(IEnumerable<Submission> submissions, IReadOnlyList<FollowResult> results)
    {
        var rows = new List<SummaryRow>();
        foreach (var submission in submissions)
        {
            if (submission.Error is { } error)
            {
                rows.Add(NegotiationTables.ToRejectedRow(submission.File.Source, error));
                continue;
            }

            var ids = submission.Result!.Negotiations.Select(negotiation => negotiation.Id).ToHashSet(StringComparer.Ordinal);
            rows.AddRange(results.Where(result => ids.Contains(result.Id)).Select(NegotiationTables.ToSummaryRow));
        }

        return rows;
    }

    /// <summary>
    /// Builds the <c>--json</c> document: each file with the HTTP status and the server's response
    /// body, and with <c>--follow</c> the outcome and last server view of each negotiation.
    /// </summary>
    private static string ToJson(Uri server, IEnumerable<Submission> submissions, IReadOnlyList<FollowResult>? results, IReadOnlyList<ReleaseResult>? releases)
    {
        var files = new JsonArray();
        foreach (var submission in submissions)
        {
            files.Add(new JsonObject
            {
                ["path"] = submission.File.Path,
                ["source"] = submission.File.Source,
                ["status"] = submission.Result?.StatusCode,
                ["response"] = ParseOrString(submission.Result?.Json),
                ["error"] = submission.Result is null ? submission.Error : null,
            });
        }

        var document = new JsonObject { ["server"] = server.ToString(), ["files"] = files };
        if (results is not null)
        {
            var outcomes = new JsonArray();
            foreach (var result in results)
            {
                outcomes.Add(new JsonObject
                {
                    ["id"] = result.Id,
                    ["task"] = result.View?.Task ?? result.Task,
                    ["outcome"] = result.Outcome.ToString(),
                    ["negotiation"] = ParseOrString(result.Json),
                });
            }

            document["results"] = outcomes;
        }

        if (releases is not null)
        {
            document["releases"] = ReleaseCommand.ToJsonArray(releases);
        }

        return document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonNode? ParseOrString(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    /// <summary>One file and the server's response to it. <see cref="Error"/> is the reason it started no negotiation.</summary>
    private sealed record Submission(DefinitionFile File, SubmitResult? Result, string? Error);
}
