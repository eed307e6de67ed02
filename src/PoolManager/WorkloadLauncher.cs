using System.Text;

namespace EventShadow.PoolManager;

/// <summary>
/// The process a warm shadow keeps waiting for its workload: a shell, started as a Docker exec before
/// the shadow is paused, that reads one line from its standard input and runs it.
/// </summary>
/// <remarks>
/// Starting a process in a container (runc exec) takes tens of milliseconds, most of a warm claim. The
/// launcher pays that while warming: a claim writes the workload's environment and command to it, and
/// the shell replaces itself with the workload, so the exec's id, state and exit code become the
/// workload's. The launcher runs as the mapping's user, closes its standard streams before it starts
/// the workload, and exits when its input closes, for example when the PoolManager that held it stops;
/// the shadow then stays claimable through a fresh exec.
/// </remarks>
public static class WorkloadLauncher
{
    /// <summary>The script the launcher's shell runs.</summary>
    public const string Script = "IFS= read -r line || exit 0; exec </dev/null >/dev/null 2>&1; eval \"$line\"";

    /// <summary>The launcher's program and arguments.</summary>
    public static IReadOnlyList<string> Command { get; } = ["sh", "-c", Script];

    /// <summary>
    /// Returns the line that makes the launcher export <paramref name="environment"/> and run
    /// <paramref name="command"/>; null when a value contains a line break or a variable name is not a
    /// shell name, which only a fresh exec can pass on.
    /// </summary>
    public static string? InputLine(IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment)
    {
        if (command.Count == 0 || command.Any(HasLineBreak) || environment.Any(variable => !IsShellName(variable.Key) || HasLineBreak(variable.Value)))
        {
            return null;
        }

        var line = new StringBuilder();
        foreach (var (name, value) in environment.OrderBy(variable => variable.Key, StringComparer.Ordinal))
        {
            line.Append("export ").Append(name).Append('=').Append(Quote(value)).Append("; ");
        }

        line.Append("exec");
        foreach (var argument in command)
        {
            line.Append(' ').Append(Quote(argument));
        }

        return line.Append('\n').ToString();
    }

    /// <summary>Returns whether an exec's program and arguments are the launcher's.</summary>
    public static bool IsLauncher(string? program, IEnumerable<string>? arguments) =>
        program == Command[0] && (arguments ?? []).SequenceEqual(Command.Skip(1), StringComparer.Ordinal);

    /// <summary>Quotes a word for sh: single quotes, with each single quote written as '\''.</summary>
    private static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static bool HasLineBreak(string text) => text.AsSpan().IndexOfAny('\n', '\r') >= 0;

    private static bool IsShellName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(character => char.IsAsciiLetterOrDigit(character) || character == '_');
}
