using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using EventShadow.Costs.Pricing;
using EventShadow.Costs.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EventShadow.Cli.Commands;

public sealed class CostReplaySettings : CostsSettings
{
    [CommandOption("--prices <FILE>")]
    [Description("Price list to replay with: JSON in the shape of the Pricing section (Currency, Lists, Baseline), or a whole appsettings.json that has one.")]
    public string Prices { get; set; } = "";

    public override Spectre.Console.ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Prices))
        {
            return Spectre.Console.ValidationResult.Error("--prices is missing: name a JSON file with the price list to replay with, such as src/CostLedger/appsettings.json.");
        }

        return base.Validate();
    }
}

/// <summary>
/// <c>costs replay</c>: rebuilds the cost history on the server with another price list and window,
/// printing progress to standard error while the server reads the event stream.
/// </summary>
public sealed class CostReplayCommand(CliHost host) : AsyncCommand<CostReplaySettings>
{
    /// <summary>How long the server may send no line; it sends progress at least every half second while reading.</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(120);

    public override async Task<int> ExecuteAsync(CommandContext context, CostReplaySettings settings, CancellationToken cancellationToken)
    {
        var prices = await ReadPricesAsync(settings.Prices, cancellationToken);
        var server = host.ResolveServer(settings.Server);

        // The replay streams for as long as it reads; IdleTimeout bounds the wait between lines instead.
        using var http = host.CreateHttpClient(server, host.ResolveApiKey(settings.ApiKey));
        http.Timeout = Timeout.InfiniteTimeSpan;

        host.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Replaying the event stream on {server} with price list versions {string.Join(", ", prices.Lists.Select(list => list.Version))}");
        var reply = await new CostClient(http).ReplayAsync(prices, settings, WriteProgress, IdleTimeout, cancellationToken);

        var statistics = reply.Value.Replay;
        if (statistics is not null)
        {
            host.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Replayed {statistics.Events:N0} events in {statistics.Seconds:0.0} s ({statistics.EventsPerSecond:N0} events/s)."));
        }

        CostOutput.Write(host, reply, settings);
        return ExitCodes.Success;
    }

    /// <summary>
    /// Reads the price list file: the Pricing section's shape, or any JSON object with a <c>Pricing</c>
    /// property such as a service's appsettings.json.
    /// </summary>
    /// <exception cref="UsageException">The file is missing, not JSON, or not a valid price list.</exception>
    public static async Task<PricingOptions> ReadPricesAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"Price list file '{path}' does not exist.");
        }

        PricingOptions? prices;
        try
        {
            var text = await File.ReadAllTextAsync(path, cancellationToken);
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var root = document.RootElement;
            var section = root.ValueKind == JsonValueKind.Object && root.EnumerateObject().FirstOrDefault(property => string.Equals(property.Name, PricingOptions.SectionName, StringComparison.OrdinalIgnoreCase)) is { Value.ValueKind: JsonValueKind.Object } found
                ? found.Value
                : root;
            prices = section.Deserialize<PricingOptions>(CostClient.JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new UsageException($"Price list file '{path}' is not valid JSON: {ex.Message}");
        }

        if (prices is null)
        {
            throw new UsageException($"Price list file '{path}' contains no price list; expected an object with Currency and Lists.");
        }

        if (prices.Check() is { Count: > 0 } errors)
        {
            throw new UsageException($"Price list file '{path}' is invalid: {string.Join(" ", errors)}");
        }

        return prices;
    }

    private void WriteProgress(ReplayProgress progress) =>
        host.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  {progress.Fraction * 100,3:0}% of the stream: {progress.Events:N0} events read in {progress.Seconds:0.0} s, {progress.EventsPerSecond:N0} events/s"));
}
