using System.ComponentModel;
using Spectre.Console.Cli;

namespace EventShadow.Cli.Commands;

/// <summary>Options every command has: which server to ask and whether to print JSON.</summary>
public class ServerSettings : CommandSettings
{
    [CommandOption("--server <URL>")]
    [Description("Negotiator base URL. Default: $EVENTSHADOW_SERVER, else " + CliHost.DefaultServer + ".")]
    public string? Server { get; set; }

    [CommandOption("--api-key <KEY>")]
    [Description("API key, sent as a bearer token. Default: $" + CliHost.ApiKeyVariable + ", else its line in the env file that infra/setup.sh writes ($" +
        CliHost.StateDirectoryVariable + "/env, by default " + CliHost.DefaultStateDirectory + "/env). Prefer the variable: other users can see command lines.")]
    public string? ApiKey { get; set; }

    [CommandOption("--json")]
    [Description("Print the server's JSON instead of tables; progress and errors go to standard error.")]
    public bool Json { get; set; }

    public override Spectre.Console.ValidationResult Validate() =>
        Server is null || CliHost.TryParseServer(Server, out _)
            ? Spectre.Console.ValidationResult.Success()
            : Spectre.Console.ValidationResult.Error($"Invalid --server '{Server}': expected an absolute http:// or https:// URL such as {CliHost.DefaultServer}.");
}
