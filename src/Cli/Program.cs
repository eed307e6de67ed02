using EventShadow.Cli;
using Spectre.Console;

var output = AnsiConsole.Console;
var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

// Spectre.Console 0.57 wraps redirected output at 80 columns, which breaks messages and progress lines
// in log files. A width of 200 keeps them on one line and tables readable.
if (Console.IsOutputRedirected)
{
    output.Profile.Width = 200;
}

if (Console.IsErrorRedirected)
{
    error.Profile.Width = 200;
}

var host = new CliHost { Out = output, Error = error, JsonOut = Console.Out };

using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, eventArgs) =>
{
    // The first Ctrl+C stops the command cleanly, and a second one ends the process at once.
    eventArgs.Cancel = !interrupt.IsCancellationRequested;
    interrupt.Cancel();
};

return await CliApplication.RunAsync(host, args, interrupt.Token);
