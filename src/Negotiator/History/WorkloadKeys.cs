using System.Security.Cryptography;
using System.Text;
using EventShadow.Contracts;
using EventShadow.Negotiator.Analysis;

namespace EventShadow.Negotiator.History;

/// <summary>
/// Names under which usage history is filed: one per workload and one per profile.
/// </summary>
public static class WorkloadKeys
{
    /// <summary>
    /// Returns the key of a container's workload: its image repository without registry or tag, and
    /// a short hash of its command and arguments, as the same image with other arguments (a stress
    /// test with another size, say) is another workload.
    /// </summary>
    public static string ForContainer(ContainerSpec container)
    {
        var repository = ImageName.Parse(container.Image).Repository;
        var argv = string.Join('\u001f', (container.Command ?? []).Concat(["--"]).Concat(container.Args ?? []));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(argv)).AsSpan(0, 6));
        return $"workload:{repository}:{hash}";
    }

    public static string ForProfile(WorkloadProfile profile) => $"profile:{profile}";
}
