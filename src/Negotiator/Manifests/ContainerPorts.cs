using System.Globalization;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Reads the container ports a task exposes, from Kubernetes <c>ports</c> and docker-compose
/// <c>ports</c> and <c>expose</c>. Only the container side counts: a shadow never publishes a port on
/// its host, so host ports and addresses are checked for form and then left out.
/// </summary>
internal static class ContainerPorts
{
    /// <summary>Most ports one container may list, ranges expanded; more is taken for a mistake.</summary>
    public const int MaxPorts = 1024;

    /// <summary>
    /// Reads a Kubernetes container's <c>ports</c> list: mappings with a <c>containerPort</c>.
    /// </summary>
    /// <returns>The ports in the order given, without repeats; null when the list is absent or empty.</returns>
    public static IReadOnlyList<int>? ReadKubernetes(ManifestNode? ports)
    {
        if (ports is null || ports.IsNull)
        {
            return null;
        }

        var found = new List<int>();
        foreach (var entry in ports.Items())
        {
            var port = entry.Require("containerPort", "every entry of ports needs a containerPort, such as 8080");
            found.Add(ParsePort(port, port.Text()));
        }

        return found.Count == 0 ? null : Distinct(found, ports);
    }

    /// <summary>
    /// Reads a compose service's <c>ports</c> and <c>expose</c>: short forms such as <c>"8080"</c>,
    /// <c>"8080:80"</c>, <c>"127.0.0.1:8080:80/tcp"</c> and ranges such as <c>"9000-9002"</c>, long forms
    /// with <c>target</c>, and plain numbers.
    /// </summary>
    /// <returns>The container ports in the order given, without repeats; null when there are none.</returns>
    public static IReadOnlyList<int>? ReadCompose(ManifestNode? ports, ManifestNode? expose)
    {
        var found = new List<int>();
        foreach (var list in new[] { ports, expose })
        {
            if (list is null || list.IsNull)
            {
                continue;
            }

            foreach (var entry in list.Items())
            {
                if (entry.IsMapping)
                {
                    var target = entry.Require("target", "a long-form port needs a target, the container port, such as 80");
                    found.Add(ParsePort(target, target.Text()));
                }
                else
                {
                    found.AddRange(ParseComposeShortForm(entry));
                }

                if (found.Count > MaxPorts)
                {
                    throw entry.Error($"more than {MaxPorts} container ports; list the ports the task serves on");
                }
            }
        }

        return found.Count == 0 ? null : Distinct(found, ports ?? expose!);
    }

    /// <summary>
    /// Returns the container ports of a compose short form: <c>[[IP:]HOST:]CONTAINER[/PROTOCOL]</c>,
    /// where each port may be a range such as <c>9000-9002</c>.
    /// </summary>
    private static IEnumerable<int> ParseComposeShortForm(ManifestNode entry)
    {
        var text = entry.Text().Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var protocol = text[(slash + 1)..];
            if (protocol is not ("tcp" or "udp" or "sctp"))
            {
                throw entry.Error($"unknown protocol '{protocol}' in port '{text}'; use tcp, udp or sctp");
            }

            text = text[..slash];
        }

        // An IPv6 host address is written in brackets and contains colons of its own.
        var containerSide = text[(text.LastIndexOf(':') + 1)..];
        var dash = containerSide.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return [ParsePort(entry, containerSide)];
        }

        var first = ParsePort(entry, containerSide[..dash]);
        var last = ParsePort(entry, containerSide[(dash + 1)..]);
        if (last < first)
        {
            throw entry.Error($"port range '{containerSide}' ends before it starts");
        }

        if (last - first >= MaxPorts)
        {
            throw entry.Error($"port range '{containerSide}' has more than {MaxPorts} ports; list the ports the task serves on");
        }

        return Enumerable.Range(first, last - first + 1);
    }

    private static int ParsePort(ManifestNode node, string text)
    {
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65_535)
        {
            throw node.Error($"invalid port '{text}': a port is a whole number from 1 to 65535");
        }

        return port;
    }

    private static List<int> Distinct(List<int> ports, ManifestNode list)
    {
        if (ports.Count > MaxPorts)
        {
            throw list.Error($"more than {MaxPorts} container ports; list the ports the task serves on");
        }

        return ports.Distinct().ToList();
    }
}
