using System.ComponentModel;
using System.Globalization;
using EventShadow.Cli.Api;
using EventShadow.Cli.Rendering;
using Spectre.Console.Cli;

namespace EventShadow.Cli.Commands;

public sealed class ListSettings : ServerSettings
{
    [CommandOption("--status <STATUS>")]
    [Description("Only negotiations with these statuses, separated by commas: Submitted, Proposed, Configuring, Validating, Committed, Failed.")]
    public string? Status { get; set; }

    [CommandOption("--limit <N>")]
    [Description("Rows per page, 1 to 200.")]
    [DefaultValue(20)]
    public int Limit { get; set; } = 20;

    [CommandOption("--offset <N>")]
    [Description("Rows to skip, for the next page.")]
    [DefaultValue(0)]
    public int Offset { get; set; }

    /// <summary>The statuses as the server spells them, whatever case they were typed in, separated by commas.</summary>
    public string? NormalizedStatus =>
        Status is null ? null : string.Join(",", StatusNames().Select(name => Normalize(name)!));

    public override Spectre.Console.ValidationResult Validate()
    {
        if (Status is not null && StatusNames().FirstOrDefault(name => Normalize(name) is null) is { } unknown)
        {
            return Spectre.Console.ValidationResult.Error($"Invalid --status '{unknown}': expected one or more of {string.Join(", ", NegotiationStatus.All)}, separated by commas.");
        }

        if (Status is not null && StatusNames().Length == 0)
        {
            return Spectre.Console.ValidationResult.Error("Invalid --status '': name at least one status.");
        }

        if (Limit is < 1 or > 200)
        {
            return Spectre.Console.ValidationResult.Error(string.Create(CultureInfo.InvariantCulture, $"Invalid --limit {Limit}: expected 1 to 200."));
        }

        if (Offset < 0)
        {
            return Spectre.Console.ValidationResult.Error(string.Create(CultureInfo.InvariantCulture, $"Invalid --offset {Offset}: expected 0 or more."));
        }

        return base.Validate();
    }

    private string[] StatusNames() => (Status ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? Normalize(string name) =>
        NegotiationStatus.All.FirstOrDefault(known => string.Equals(known, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary><c>list</c>: one page of negotiations, in the order the server returns them.</summary>
public sealed class ListCommand(CliHost host) : AsyncCommand<ListSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ListSettings settings, CancellationToken cancellationToken)
    {
        var server = host.ResolveServer(settings.Server);
        using var http = host.CreateHttpClient(server, host.ResolveApiKey(settings.ApiKey));
        var client = new NegotiatorClient(http);

        var reply = await client.ListAsync(settings.NormalizedStatus, settings.Limit, settings.Offset, cancellationToken);
        if (settings.Json)
        {
            await host.JsonOut.WriteLineAsync(reply.Json.AsMemory(), cancellationToken);
        }
        else
        {
            host.Out.Write(NegotiationTables.List(reply.Value, settings.Offset));
        }

        return ExitCodes.Success;
    }
}
