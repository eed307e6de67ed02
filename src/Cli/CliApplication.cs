using System.Globalization;
using EventShadow.Cli.Api;
using EventShadow.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace EventShadow.Cli;

/// <summary>
/// The <c>eventshadow</c> command line: its commands, help text and the mapping of errors to exit codes.
/// </summary>
public static class CliApplication
{
    public const string StartServicesHint = "Start the services with `bash infra/run.sh` or `bash infra/services.sh start`.";

    /// <summary>
    /// Runs the command line. Without arguments it prints the help and returns
    /// <see cref="ExitCodes.UsageError"/>, because no command was given.
    /// </summary>
    public static async Task<int> RunAsync(CliHost host, string[] args, CancellationToken cancellationToken)
    {
        var app = Create(host);
        if (args.Length == 0)
        {
            await app.RunAsync(["--help"], cancellationToken);
            return ExitCodes.UsageError;
        }

        return await app.RunAsync(args, cancellationToken);
    }

    public static CommandApp Create(CliHost host)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("eventshadow");
            config.ConfigureConsole(host.Out);
            config.Settings.Registrar.RegisterInstance(host);
            config.SetHelpProvider(new ExitCodeHelpProvider(config.Settings));
            config.CancellationExitCode(ExitCodes.Interrupted);
            config.SetExceptionHandler((exception, _) => HandleException(exception, host.Error));

            config.AddCommand<SubmitCommand>("submit")
                .WithDescription("Submit definition files (Kubernetes YAML, docker-compose YAML or JSON) for negotiation.")
                .WithExample("submit", "samples", "--follow")
                .WithExample("submit", "samples", "--follow", "--release")
                .WithExample("submit", "deploy/redis.yaml", "--follow", "--timeout", "600", "--json");
            config.AddCommand<ShowCommand>("show")
                .WithDescription("Show one negotiation: attempts, rationale and validation measurements.")
                .WithExample("show", "0f8fad5b-d9cb-469f-a165-70867728950e");
            config.AddCommand<ListCommand>("list")
                .WithDescription("List negotiations, optionally by status.")
                .WithExample("list", "--status", "Failed", "--limit", "50");
            config.AddCommand<ReleaseCommand>("release")
                .WithDescription("Return committed allocations' capacity to their resource pools, for example when their tasks have finished.")
                .WithExample("release", "0f8fad5b-d9cb-469f-a165-70867728950e")
                .WithExample("release", "0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7", "--json");
            config.AddCommand<PoolsCommand>("pools")
                .WithDescription("Show resource pool capacity and use, and warm shadow pools against their forecast demand.")
                .WithExample("pools", "--json");
            config.AddBranch<CostsSettings>("costs", costs =>
            {
                costs.SetDescription("Show cost history by day, pool, profile or negotiation, or replay it with another price list.");
                costs.SetDefaultCommand<CostsCommand>();
                costs.AddCommand<CostReplayCommand>("replay")
                    .WithDescription("Rebuild cost history from the event stream with another price list and window, showing progress.")
                    .WithExample("costs", "replay", "--prices", "prices.json", "--from", "2026-11-01", "--to", "2026-11-30", "--chart", "november.png");
            });
        });

        return app;
    }

    /// <summary>Prints what went wrong and returns the exit code for it.</summary>
    public static int HandleException(Exception exception, IAnsiConsole error)
    {
        switch (exception)
        {
            case CommandAppException { Pretty: { } pretty }:
                error.Write(pretty);
                return ExitCodes.UsageError;
            case CommandAppException or UsageException:
                error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {exception.Message}");
                return ExitCodes.UsageError;
            case ServerUnreachableException:
                error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {exception.Message}");
                error.WriteLine(StartServicesHint);
                return ExitCodes.ServerUnreachable;
            case AccessDeniedException:
                error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {exception.Message}");
                return ExitCodes.AccessDenied;
            case OperationCanceledException:
                error.MarkupLine("[yellow]Interrupted.[/] Negotiations already submitted go on. See them with `eventshadow list`.");
                return ExitCodes.Interrupted;
            default:
                error.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {exception.Message}");
                return ExitCodes.Failure;
        }
    }

    /// <summary>Spectre's help with the exit code table appended, so scripts can find the codes in <c>--help</c>.</summary>
    private sealed class ExitCodeHelpProvider(ICommandAppSettings settings) : HelpProvider(settings)
    {
        public override IEnumerable<IRenderable> GetFooter(ICommandModel model, ICommandInfo? command)
        {
            var grid = new Grid();
            grid.AddColumn(new GridColumn().PadLeft(4).PadRight(2));
            grid.AddColumn();
            foreach (var (code, meaning) in ExitCodes.Descriptions)
            {
                grid.AddRow(new Text(code.ToString(CultureInfo.InvariantCulture)), new Text(meaning));
            }

            return
            [
                .. base.GetFooter(model, command),
                new Text(Environment.NewLine),
                new Markup("[yellow]EXIT CODES:[/]" + Environment.NewLine),
                grid,
                new Text("    When several apply, the first of 3, 5, 4, 1 wins." + Environment.NewLine),
            ];
        }
    }
}
