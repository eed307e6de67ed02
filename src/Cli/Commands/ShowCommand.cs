using System.Globalization;
using System.ComponentModel;
using EventShadow.Cli.Api;
using EventShadow.Cli.Rendering;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EventShadow.Cli.Commands;

public sealed class ShowSettings : ServerSettings
{
    [CommandArgument(0, "<ID>")]
    [Description("Negotiation id, as printed by submit or list.")]
    public string Id { get; set; } = "";

    public override Spectre.Console.ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Id)
            ? Spectre.Console.ValidationResult.Error("The negotiation id is empty.")
            : base.Validate();
}

/// <summary>
/// <c>show</c>: one negotiation with its attempts, rationale and validation measurements. Exits with
/// 1 when the negotiation failed or is not found, and with 2 when the server rejects the id as malformed.
/// </summary>
public sealed class ShowCommand(CliHost host) : AsyncCommand<ShowSettings>
{
    /// <summary>
    /// How long a 404 is retried. The server's view is eventually consistent, so an id printed by
    /// <c>submit</c> can be missing from it for a moment.
    /// </summary>
    public static readonly TimeSpan NotFoundGrace = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(500);

    public override async Task<int> ExecuteAsync(CommandContext context, ShowSettings settings, CancellationToken cancellationToken)
    {
        var server = host.ResolveServer(settings.Server);
        using var http = host.CreateHttpClient(server, host.ResolveApiKey(settings.ApiKey));
        var client = new NegotiatorClient(http);

        var reply = await GetWithRetryAsync(client, settings.Id, cancellationToken);
        if (reply is null)
        {
            host.Error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]Negotiation {settings.Id} not found on {server}.[/] List the known ones with `eventshadow list`.");
            return ExitCodes.Failure;
        }

        if (settings.Json)
        {
            await host.JsonOut.WriteLineAsync(reply.Json.AsMemory(), cancellationToken);
        }
        else
        {
            host.Out.Write(NegotiationDetails.Render(reply.Value));
        }

        return reply.Value.Status == NegotiationStatus.Failed ? ExitCodes.Failure : ExitCodes.Success;
    }

    private async Task<ServerReply<NegotiationView>?> GetWithRetryAsync(NegotiatorClient client, string id, CancellationToken cancellationToken)
    {
        var started = host.Time.GetTimestamp();
        while (true)
        {
            var reply = await client.GetNegotiationAsync(id, cancellationToken);
            if (reply is not null || host.Time.GetElapsedTime(started) >= NotFoundGrace)
            {
                return reply;
            }

            await Task.Delay(RetryInterval, host.Time, cancellationToken);
        }
    }
}
