using Docker.DotNet.Models;
using EventShadow.PoolManager;

namespace EventShadow.UnitTests.PoolManager;

public sealed class LauncherStartedTests
{
    [Fact]
    public void Running_exec_without_pid_has_not_started()
    {
        // The engine reports a new exec as running before runc has started its process.
        Assert.False(ShadowContainers.LauncherStarted(new ContainerExecInspectResponse { Running = true, Pid = 0 }));
    }

    [Fact]
    public void Running_exec_with_pid_has_started()
    {
        Assert.True(ShadowContainers.LauncherStarted(new ContainerExecInspectResponse { Running = true, Pid = 4955 }));
    }

    [Fact]
    public void Exec_that_failed_to_start_has_not_started()
    {
        Assert.False(ShadowContainers.LauncherStarted(new ContainerExecInspectResponse { Running = false, Pid = 0, ExitCode = 126 }));
    }
}
