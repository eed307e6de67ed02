using System.Diagnostics;
using EventShadow.PoolManager;

namespace EventShadow.UnitTests.PoolManager;

public sealed class WorkloadLauncherTests
{
    [Fact]
    public void Input_line_exports_environment_and_execs_command()
    {
        var line = WorkloadLauncher.InputLine(["redis-server", "--save", ""], new Dictionary<string, string>(StringComparer.Ordinal) { ["B"] = "2", ["A"] = "it's" });

        Assert.Equal("export A='it'\\''s'; export B='2'; exec 'redis-server' '--save' ''\n", line);
    }

    [Theory]
    [InlineData("BAD-NAME", "value")]
    [InlineData("1ST", "value")]
    [InlineData("GOOD", "two\nlines")]
    public void Input_line_rejects_what_one_line_cannot_carry(string name, string value)
    {
        Assert.Null(WorkloadLauncher.InputLine(["app"], new Dictionary<string, string>(StringComparer.Ordinal) { [name] = value }));
    }

    [Fact]
    public void Input_line_rejects_empty_command_and_line_breaks()
    {
        var none = new Dictionary<string, string>(StringComparer.Ordinal);

        Assert.Null(WorkloadLauncher.InputLine([], none));
        Assert.Null(WorkloadLauncher.InputLine(["app", "a\rb"], none));
    }

    [Fact]
    public void Shell_reads_line_back_into_same_words()
    {
        // The launcher's read and eval, without its redirection of output, run by the real sh.
        string[] command = ["sh", "-c", "printf '%s|' \"$GREETING\" \"$@\"", "sh", "a b", "it's", "$HOME", "*", ""];
        var line = WorkloadLauncher.InputLine(command, new Dictionary<string, string>(StringComparer.Ordinal) { ["GREETING"] = "hello 'warm' $USER" });
        Assert.NotNull(line);

        var start = new ProcessStartInfo("sh") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("IFS= read -r line || exit 0; eval \"$line\"");
        using var shell = Process.Start(start)!;
        shell.StandardInput.Write(line);
        shell.StandardInput.Close();
        var output = shell.StandardOutput.ReadToEnd();
        shell.WaitForExit();

        Assert.Equal(0, shell.ExitCode);
        Assert.Equal("hello 'warm' $USER|a b|it's|$HOME|*||", output);
    }

    [Fact]
    public void Launcher_exec_is_recognised()
    {
        Assert.True(WorkloadLauncher.IsLauncher("sh", ["-c", WorkloadLauncher.Script]));
        Assert.False(WorkloadLauncher.IsLauncher("sh", ["-c", "true"]));
        Assert.False(WorkloadLauncher.IsLauncher("redis-server", null));
    }
}
