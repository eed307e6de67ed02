namespace EventShadow.Contracts;

/// <summary>
/// Reads the operator's API key, which the command line and the tools send to the Negotiator: the
/// <c>EVENTSHADOW_API_KEY</c> variable, else that variable's line in the env file that
/// <c>infra/setup.sh</c> writes (<c>$EVENTSHADOW_STATE_DIR/env</c>).
/// </summary>
public static class OperatorApiKey
{
    public const string Variable = "EVENTSHADOW_API_KEY";
    public const string StateDirectoryVariable = "EVENTSHADOW_STATE_DIR";
    public const string DefaultStateDirectory = "/var/lib/eventshadow";

    /// <summary>Returns the env file's path in <paramref name="stateDirectory"/>, or in <see cref="DefaultStateDirectory"/> when that is blank.</summary>
    public static string EnvFilePath(string? stateDirectory) =>
        Path.Combine(string.IsNullOrWhiteSpace(stateDirectory) ? DefaultStateDirectory : stateDirectory, "env");

    /// <summary>Returns the env file's path in the folder that <c>EVENTSHADOW_STATE_DIR</c> of <paramref name="environment"/> names.</summary>
    public static string EnvFilePath(Func<string, string?> environment) => EnvFilePath(environment(StateDirectoryVariable));

    /// <summary>
    /// Reads the key from <paramref name="environment"/>, else from the file <paramref name="envFile"/>
    /// when it exists, as <see cref="Read(Func{string, string?}, string, Func{string, IEnumerable{string}?})"/> does.
    /// </summary>
    public static string? Read(Func<string, string?> environment, string envFile) =>
        Read(environment, envFile, path => File.Exists(path) ? File.ReadLines(path) : null);

    /// <summary>
    /// Reads the key: the variable's trimmed value when it is not blank, else the value of the last
    /// <c>EVENTSHADOW_API_KEY=</c> line of the env file with one pair of single or double quotes
    /// removed. Returns null when neither gives a value.
    /// </summary>
    /// <param name="environment">Returns an environment variable's value, or null when it is unset.</param>
    /// <param name="envFile">Path of the env file, only passed to <paramref name="readEnvFile"/>.</param>
    /// <param name="readEnvFile">Returns the lines of a file, or null when it does not exist. It is called only when the variable is unset or blank.</param>
    public static string? Read(Func<string, string?> environment, string envFile, Func<string, IEnumerable<string>?> readEnvFile)
    {
        if (environment(Variable)?.Trim() is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        var prefix = Variable + "=";
        var line = readEnvFile(envFile)?.LastOrDefault(candidate => candidate.StartsWith(prefix, StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var value = Unquote(line[prefix.Length..].Trim()).Trim();
        return value.Length > 0 ? value : null;
    }

    /// <summary>Returns the error for a missing key, naming the variable and <paramref name="envFile"/>.</summary>
    public static string MissingMessage(string envFile) =>
        $"No API key: set {Variable}, or run infra/setup.sh, which writes the operator's key to {envFile}.";

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0] ? value[1..^1] : value;
}
