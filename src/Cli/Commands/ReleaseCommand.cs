using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventShadow.Cli.Api;
using EventShadow.Cli.Rendering;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EventShadow.Cli.Commands;

public sealed class ReleaseSettings : ServerSettings
{
    [CommandArgument(0, "<ID>")]
    [Description("Ids of committed negotiations, as printed by submit or list.")]
    public string[] Ids { get; set; } = [];

    public override Spectre.Console.ValidationResult Validate() =>
        Ids.Length == 0 || Ids.Any(string.IsNullOrWhiteSpace)
            ? Spectre.Console.ValidationResult.Error("A negotiation id is empty.")
            : base.Validate();
}

/// <summary>
/// <c>release</c>: returns the capacity of committed allocations to their pools, for example when their
/// tasks have finished. Prints one line per id and exits with 1 when an id is unknown (404) or its
/// negotiation is not committed (409). The other ids are still released.
/// </summary>
public sealed class ReleaseCommand(CliHost host) : AsyncCommand<ReleaseSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ReleaseSettings settings, CancellationToken cancellationToken)
    {
        var server = host.ResolveServer(settings.Server);
        using var http = host.CreateHttpClient(server, host.ResolveApiKey(settings.ApiKey));
        var client = new NegotiatorClient(http);
        var info = settings.Json ? host.Error : host.Out;

        var results = new List<ReleaseResult>();
        foreach (var id in settings.Ids)
        {
            var result = await client.ReleaseAsync(id, cancellationToken);
            results.Add(result);
            WriteLine(info, result);
        }

        if (settings.Json)
        {
            await host.JsonOut.WriteLineAsync(ToJson(results).AsMemory(), cancellationToken);
        }

        return results.All(ReleaseLines.Succeeded) ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>Prints <see cref="ReleaseLines.Describe"/>, in red when nothing was released.</summary>
    public static void WriteLine(IAnsiConsole console, ReleaseResult result)
    {
        var line = ReleaseLines.Describe(result);
        if (ReleaseLines.Succeeded(result))
        {
            console.WriteLine(line);
        }
        else
        {
            console.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]{line}[/]");
        }
    }

    /// <summary>The <c>--json</c> document: per id, the HTTP status and the server's response body.</summary>
    public static JsonArray ToJsonArray(IEnumerable<ReleaseResult> results)
    {
        var array = new JsonArray();
        foreach (var result in results)
        {
            array.Add(new JsonObject
            {
                ["id"] = result.Id,
                ["status"] = result.StatusCode,
                ["released"] = ReleaseLines.Succeeded(result),
                ["response"] = ParseOrString(result.Json),
            });
        }

        return array;
    }

    private static string ToJson(IEnumerable<ReleaseResult> results) =>
        ToJsonArray(results).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static JsonNode? ParseOrString(string json)
    {
        if (json.Length == 0)
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
}
