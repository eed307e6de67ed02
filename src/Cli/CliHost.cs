using System.Net;
using EventShadow.Cli.Api;
using EventShadow.Contracts;
using Spectre.Console;

namespace EventShadow.Cli;

/// <summary>
/// What the commands use from the outside world: the consoles, the environment, the HTTP handler
/// and the clock. <c>Program</c> passes the real ones, and tests pass consoles that write to strings and
/// a handler that plays the server.
/// </summary>
public sealed class CliHost
{
    public const string ServerVariable = "EVENTSHADOW_SERVER";
    public const string DefaultServer = "http://127.0.0.1:5080";
    public const string PoolsServerVariable = "EVENTSHADOW_POOLS_SERVER";
    public const string DefaultPoolsServer = "http://127.0.0.1:5081";
    public const string ApiKeyVariable = OperatorApiKey.Variable;
    public const string StateDirectoryVariable = OperatorApiKey.StateDirectoryVariable;
    public const string DefaultStateDirectory = OperatorApiKey.DefaultStateDirectory;
    private const string DefaultOrigin = "the default";

    /// <summary>Human-readable output.</summary>
    public required IAnsiConsole Out { get; init; }

    /// <summary>Errors, and the progress lines of <c>--json</c> runs so that standard output holds only JSON.</summary>
    public required IAnsiConsole Error { get; init; }

    /// <summary>Raw writer for <c>--json</c> output, which must not be wrapped at the console width.</summary>
    public required TextWriter JsonOut { get; init; }

    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Reads the lines of the env file that <c>infra/setup.sh</c> writes, or returns <c>null</c> when there is none.</summary>
    public Func<string, IReadOnlyList<string>?> ReadEnvFile { get; init; } = path => File.Exists(path) ? File.ReadAllLines(path) : null;

    public Func<HttpMessageHandler> CreateHandler { get; init; } =
        () => new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How long one HTTP request may take before the server counts as unreachable.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Resolves the server URL: <c>--server</c>, else <c>EVENTSHADOW_SERVER</c>, else <see cref="DefaultServer"/>.
    /// </summary>
    /// <exception cref="UsageException">The URL is not an absolute http or https URL.</exception>
    public Uri ResolveServer(string? option) => ResolveServer(option, "--server", ServerVariable, DefaultServer);

    /// <summary>
    /// Resolves the PoolManager's URL: <c>--pools-server</c>, else <c>EVENTSHADOW_POOLS_SERVER</c>, else the
    /// Negotiator's URL from <paramref name="serverOption"/> (see <see cref="ResolveServer(string?)"/>) with the
    /// next port and the root path, because <c>infra/services.sh</c> starts the PoolManager on the Negotiator's
    /// port + 1. Without any setting that is <see cref="DefaultPoolsServer"/>.
    /// </summary>
    /// <exception cref="UsageException">A URL is not an absolute http or https URL, or the Negotiator's port is 65535.</exception>
    public ServerAddress ResolvePoolsServer(string? option, string? serverOption)
    {
        if (ReadSetting(option, "--pools-server", PoolsServerVariable) is { } setting)
        {
            return Parse(setting, DefaultPoolsServer);
        }

        var negotiator = Parse(ReadSetting(serverOption, "--server", ServerVariable) ?? (DefaultServer, DefaultOrigin), DefaultServer);
        if (negotiator.Uri.Port >= IPEndPoint.MaxPort)
        {
            throw new UsageException(
                $"The Negotiator's URL {negotiator.Uri} from {negotiator.Origin} has port {negotiator.Uri.Port}, so the PoolManager's port " +
                $"cannot be the next one. Set --pools-server or {PoolsServerVariable} to the PoolManager's URL.");
        }

        var poolManager = new UriBuilder(negotiator.Uri) { Port = negotiator.Uri.Port + 1, Path = "/" }.Uri;
        var origin = negotiator.Origin == DefaultOrigin ? DefaultOrigin : $"{negotiator.Origin} (the Negotiator's URL) with the port + 1";
        return new ServerAddress(poolManager, origin);
    }

    /// <summary>
    /// Resolves the API key: <c>--api-key</c>, else <c>EVENTSHADOW_API_KEY</c>, else that variable's line in the
    /// env file (<c>$EVENTSHADOW_STATE_DIR/env</c>, by default under <see cref="DefaultStateDirectory"/>), else <c>null</c>.
    /// </summary>
    public string? ResolveApiKey(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            return option.Trim();
        }

        return OperatorApiKey.Read(GetEnvironmentVariable, OperatorApiKey.EnvFilePath(GetEnvironmentVariable), ReadEnvFile);
    }

    /// <summary>
    /// Returns a client for <paramref name="server"/> that sends <paramref name="apiKey"/> as a bearer token and
    /// turns a 401 or 403 response into <see cref="AccessDeniedException"/>.
    /// </summary>
    public HttpClient CreateHttpClient(Uri server, string? apiKey) =>
        new(new ApiKeyHandler(apiKey, CreateHandler()), disposeHandler: true) { BaseAddress = server, Timeout = RequestTimeout };

    private Uri ResolveServer(string? option, string optionName, string variable, string fallback) =>
        Parse(ReadSetting(option, optionName, variable) ?? (fallback, DefaultOrigin), fallback).Uri;

    /// <summary>Returns the option's value, else the variable's, with the name of the one it came from, or null when neither is set.</summary>
    private (string Value, string Origin)? ReadSetting(string? option, string optionName, string variable)
    {
        if (!string.IsNullOrWhiteSpace(option))
        {
            return (option, optionName);
        }

        return GetEnvironmentVariable(variable) is { Length: > 0 } fromEnvironment ? (fromEnvironment, variable) : null;
    }

    private static ServerAddress Parse((string Value, string Origin) setting, string example)
    {
        if (!TryParseServer(setting.Value, out var server))
        {
            throw new UsageException($"Invalid server URL '{setting.Value}' from {setting.Origin}: expected an absolute http:// or https:// URL such as {example}.");
        }

        return new ServerAddress(server, setting.Origin);
    }

    /// <summary>
    /// Parses a server URL and appends a trailing slash to its path, so that request paths such as
    /// <c>negotiate</c> resolve below it rather than replacing its last segment.
    /// </summary>
    public static bool TryParseServer(string value, out Uri server)
    {
        server = null!;
        if (!Uri.TryCreate(value, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
        {
            return false;
        }

        var builder = new UriBuilder(parsed) { Query = "", Fragment = "" };
        if (!builder.Path.EndsWith('/'))
        {
            builder.Path += "/";
        }

        server = builder.Uri;
        return true;
    }
}

/// <summary>A server's base URL and the setting it came from, such as <c>EVENTSHADOW_SERVER</c>, for error messages.</summary>
public sealed record ServerAddress(Uri Uri, string Origin);

/// <summary>The command line is invalid in a way the parser cannot see, such as a path that does not exist.</summary>
public sealed class UsageException(string message) : Exception(message);
