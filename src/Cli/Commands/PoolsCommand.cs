using System.ComponentModel;
using EventShadow.Cli.Api;
using EventShadow.Cli.Rendering;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EventShadow.Cli.Commands;

public sealed class PoolsSettings : ServerSettings
{
    [CommandOption("--pools-server <URL>")]
    [Description("PoolManager base URL, which serves the warm pools. Default: $" + CliHost.PoolsServerVariable +
        ", else the Negotiator's URL (--server) with its port + 1, the ports that infra/services.sh gives the two services; " +
        "with neither set, " + CliHost.DefaultPoolsServer + ".")]
    public string? PoolsServer { get; set; }

    public override Spectre.Console.ValidationResult Validate() =>
        PoolsServer is null || CliHost.TryParseServer(PoolsServer, out _)
            ? base.Validate()
            : Spectre.Console.ValidationResult.Error($"Invalid --pools-server '{PoolsServer}': expected an absolute http:// or https:// URL such as {CliHost.DefaultPoolsServer}.");
}

/// <summary>
/// <c>pools</c>: each resource pool's capacity and use from the Negotiator, and each warm shadow pool's
/// forecast, target and warm shadows from the PoolManager. When only the PoolManager fails, it prints
/// the capacity (with <c>"pools": null</c> in JSON) before the error, and exits with the error's code.
/// </summary>
public sealed class PoolsCommand(CliHost host) : AsyncCommand<PoolsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, PoolsSettings settings, CancellationToken cancellationToken)
    {
        var apiKey = host.ResolveApiKey(settings.ApiKey);
        var poolsServer = host.ResolvePoolsServer(settings.PoolsServer, settings.Server);
        using var negotiatorHttp = host.CreateHttpClient(host.ResolveServer(settings.Server), apiKey);
        using var poolManagerHttp = host.CreateHttpClient(poolsServer.Uri, apiKey);

        var capacity = await new NegotiatorClient(negotiatorHttp).GetAsync<IReadOnlyList<PoolCapacity>>("capacity", cancellationToken);
        ServerReply<WarmPools>? warm = null;
        Exception? poolManagerFailure = null;
        try
        {
            warm = await new NegotiatorClient(poolManagerHttp).GetAsync<WarmPools>("pools", cancellationToken);
        }
        catch (ServerUnreachableException ex)
        {
            poolManagerFailure = DescribeUnreachable(ex, poolsServer);
        }
        catch (Exception ex) when (ex is ServerErrorException or AccessDeniedException)
        {
            poolManagerFailure = ex;
        }

        await PrintAsync(settings.Json, capacity, warm, cancellationToken);
        return poolManagerFailure is null ? ExitCodes.Success : CliApplication.HandleException(poolManagerFailure, host.Error);
    }

    /// <summary>
    /// Names the PoolManager in place of the EventShadow server, and the setting its URL came from, because
    /// the Negotiator responded and the user would otherwise look for the fault there.
    /// </summary>
    public static ServerUnreachableException DescribeUnreachable(ServerUnreachableException failure, ServerAddress poolsServer) =>
        failure.For(
            "PoolManager",
            $"The URL comes from {poolsServer.Origin}. If the PoolManager listens elsewhere, set --pools-server or {CliHost.PoolsServerVariable}.");

    private async Task PrintAsync(bool json, ServerReply<IReadOnlyList<PoolCapacity>> capacity, ServerReply<WarmPools>? warm, CancellationToken cancellationToken)
    {
        if (json)
        {
            // Both bodies unchanged, under the names of the endpoints they came from.
            var text = $$"""{"capacity":{{capacity.Json}},"pools":{{warm?.Json ?? "null"}}}""";
            await host.JsonOut.WriteLineAsync(text.AsMemory(), cancellationToken);
            return;
        }

        host.Out.Write(PoolTables.Capacity(capacity.Value));
        if (warm is not null)
        {
            host.Out.WriteLine();
            host.Out.Write(PoolTables.WarmPools(warm.Value));
        }
    }
}
