using System.ComponentModel;
using EventShadow.Cli.Api;
using EventShadow.Cli.Rendering;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EventShadow.Cli.Commands;

public sealed class PoolsSettings : ServerSettings
{
    [CommandOption("--pools-server <URL>")]
    [Description("PoolManager base URL, which serves the warm pools. Default: $" + CliHost.PoolsServerVariable + ", else " + CliHost.DefaultPoolsServer + ".")]
    public string? PoolsServer { get; set; }

    public override Spectre.Console.ValidationResult Validate() =>
        PoolsServer is null || CliHost.TryParseServer(PoolsServer, out _)
            ? base.Validate()
            : Spectre.Console.ValidationResult.Error($"Invalid --pools-server '{PoolsServer}': expected an absolute http:// or https:// URL such as {CliHost.DefaultPoolsServer}.");
}

/// <summary>
/// <c>pools</c>: each resource pool's capacity and use from the Negotiator, and each warm shadow pool's
/// forecast, target and warm shadows from the PoolManager.
/// </summary>
public sealed class PoolsCommand(CliHost host) : AsyncCommand<PoolsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, PoolsSettings settings, CancellationToken cancellationToken)
    {
        var apiKey = host.ResolveApiKey(settings.ApiKey);
        using var negotiatorHttp = host.CreateHttpClient(host.ResolveServer(settings.Server), apiKey);
        using var poolManagerHttp = host.CreateHttpClient(host.ResolvePoolsServer(settings.PoolsServer), apiKey);

        var capacity = await new NegotiatorClient(negotiatorHttp).GetAsync<IReadOnlyList<PoolCapacity>>("capacity", cancellationToken);
        var warm = await new NegotiatorClient(poolManagerHttp).GetAsync<WarmPools>("pools", cancellationToken);

        if (settings.Json)
        {
            // Both bodies unchanged, under the names of the endpoints they came from.
            var json = $$"""{"capacity":{{capacity.Json}},"pools":{{warm.Json}}}""";
            await host.JsonOut.WriteLineAsync(json.AsMemory(), cancellationToken);
        }
        else
        {
            host.Out.Write(PoolTables.Capacity(capacity.Value));
            host.Out.WriteLine();
            host.Out.Write(PoolTables.WarmPools(warm.Value));
        }

        return ExitCodes.Success;
    }
}
