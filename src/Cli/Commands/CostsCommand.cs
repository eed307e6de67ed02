using System.ComponentModel;
using System.Globalization;
using EventShadow.Cli.Api;
using EventShadow.Costs.Charts;
using EventShadow.Costs.Reports;
using Spectre.Console;
using Spectre.Console.Cli;

namespace EventShadow.Cli.Commands;

/// <remarks>
/// No option has a <c>DefaultValue</c> attribute: Spectre.Console.Cli 0.57 applies those after
/// parsing for a branch's default command, which overwrote the value given on the command line.
/// </remarks>
public class CostsSettings : ServerSettings
{
    [CommandOption("--group-by <GROUPING>")]
    [Description("Rows per day (default), pool, profile or negotiation.")]
    public string GroupBy { get; set; } = "day";

    [CommandOption("--from <DATE>")]
    [Description("First UTC day, yyyy-MM-dd. Default: the start of the history.")]
    public string? From { get; set; }

    [CommandOption("--to <DATE>")]
    [Description("Last UTC day, yyyy-MM-dd, included. Default: the end of the history.")]
    public string? To { get; set; }

    [CommandOption("--limit <N>")]
    [Description("Negotiation rows per page, 1 to 1000. Default: 100.")]
    public int Limit { get; set; } = CostQuery.DefaultLimit;

    [CommandOption("--offset <N>")]
    [Description("Negotiation rows to skip, for the next page. Default: 0.")]
    public int Offset { get; set; }

    [CommandOption("--chart <FILE.png>")]
    [Description("Also write the report as a PNG chart: cost and savings per day, idle shadow cost against demand.")]
    public string? Chart { get; set; }

    public override Spectre.Console.ValidationResult Validate()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        CostQuery.Parse(
            GroupBy, From, To, Limit.ToString(CultureInfo.InvariantCulture), Offset.ToString(CultureInfo.InvariantCulture), errors);
        if (errors.Count > 0)
        {
            var first = errors.First();
            return Spectre.Console.ValidationResult.Error($"Invalid --{OptionName(first.Key)}: {first.Value[0]}");
        }

        if (Chart is not null && !Chart.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            return Spectre.Console.ValidationResult.Error($"Invalid --chart '{Chart}': the chart is a PNG, so the file name must end in .png.");
        }

        return base.Validate();
    }

    private static string OptionName(string parameter) => parameter == "groupBy" ? "group-by" : parameter;
}

/// <summary>
/// <c>costs</c>: cost history from the server's projections, as a table, JSON or a chart.
/// </summary>
public sealed class CostsCommand(CliHost host) : AsyncCommand<CostsSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, CostsSettings settings, CancellationToken cancellationToken)
    {
        var server = host.ResolveServer(settings.Server);
        using var http = host.CreateHttpClient(server, host.ResolveApiKey(settings.ApiKey));
        var reply = await new CostClient(http).GetAsync(settings, cancellationToken);

        CostOutput.Write(host, reply, settings);
        return ExitCodes.Success;
    }
}

/// <summary>How <c>costs</c> and <c>costs replay</c> print a report and write its chart.</summary>
public static class CostOutput
{
    public static void Write(CliHost host, ServerReply<CostReport> reply, CostsSettings settings)
    {
        if (settings.Json)
        {
            host.JsonOut.WriteLine(reply.Json);
        }
        else
        {
            host.Out.Write(CostReportTable.Render(reply.Value));
            foreach (var line in CostReportTable.Notes(reply.Value))
            {
                host.Out.WriteLine(line);
            }
        }

        if (settings.Chart is { } chart)
        {
            CostChart.Save(reply.Value, chart);
            var console = settings.Json ? host.Error : host.Out;
            console.WriteLine($"Chart written to {Path.GetFullPath(chart)}");
        }
    }
}
