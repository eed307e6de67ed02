using EventShadow.Contracts;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Reads Kubernetes objects: one task per entry of the pod's <c>containers</c> and per native sidecar
/// (an init container with <c>restartPolicy: Always</c>, which runs as long as the pod). Ordinary init
/// containers run to completion before the pod starts, so they become <c>init-container-*</c> hints on
/// every task of their pod rather than tasks of their own. The free-text hints of the
/// <c>eventshadow.io/hints</c> annotation, on the object or its pod template, apply to every task of the pod.
/// </summary>
internal static class KubernetesReader
{
    /// <summary>Path of the pod spec in each workload kind, the same for every apiVersion.</summary>
    private static readonly Dictionary<string, string[]> PodSpecPaths = new(StringComparer.Ordinal)
    {
        ["Pod"] = ["spec"],
        ["Deployment"] = ["spec", "template", "spec"],
        ["StatefulSet"] = ["spec", "template", "spec"],
        ["ReplicaSet"] = ["spec", "template", "spec"],
        ["ReplicationController"] = ["spec", "template", "spec"],
        ["DaemonSet"] = ["spec", "template", "spec"],
        ["Job"] = ["spec", "template", "spec"],
        ["CronJob"] = ["spec", "jobTemplate", "spec", "template", "spec"],
    };

    /// <summary>Kinds that run no containers of their own, which the reader skips.</summary>
    private static readonly HashSet<string> KindsWithoutContainers = new(StringComparer.Ordinal)
    {
        "APIService", "Binding", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding", "ConfigMap",
        "ControllerRevision", "CSIDriver", "CSINode", "CSIStorageCapacity", "CustomResourceDefinition",
        "EndpointSlice", "Endpoints", "Event", "FlowSchema", "Gateway", "GatewayClass", "GRPCRoute",
        "HorizontalPodAutoscaler", "HTTPRoute", "Ingress", "IngressClass", "Lease", "LimitRange",
        "MutatingWebhookConfiguration", "Namespace", "NetworkPolicy", "Node", "PersistentVolume",
        "PersistentVolumeClaim", "PodDisruptionBudget", "PodSecurityPolicy", "PodTemplate", "PriorityClass",
        "PriorityLevelConfiguration", "ResourceQuota", "Role", "RoleBinding", "RuntimeClass", "Secret",
        "Service", "ServiceAccount", "StorageClass", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding", "ValidatingWebhookConfiguration", "VerticalPodAutoscaler",
        "VolumeAttachment", "VolumeSnapshot", "VolumeSnapshotClass",
    };

    public static string WorkloadKinds => string.Join(", ", PodSpecPaths.Keys);

    /// <summary>
    /// Reads one object (or the items of a <c>List</c>) into <paramref name="collector"/>.
    /// </summary>
    /// <param name="impliedKind">Kind of the items of a typed list such as <c>DeploymentList</c>, whose items omit it.</param>
    public static void ReadObject(ManifestNode resource, string? impliedKind, TaskCollector collector)
    {
        var kindNode = resource.Get("kind");
        var kind = kindNode?.Text() ?? impliedKind
            ?? throw resource.Missing("kind", $"the object has no kind. Accepted workload kinds: {WorkloadKinds}, and List");

        if (kind == "List" || (kind.EndsWith("List", StringComparison.Ordinal) && resource.Has("items")))
        {
            var itemKind = kind == "List" ? null : kind[..^"List".Length];
            foreach (var item in resource.Require("items", $"a {kind} needs items").Items())
            {
                ReadObject(item, itemKind, collector);
            }

            return;
        }

        if (PodSpecPaths.TryGetValue(kind, out var podSpecPath))
        {
            ReadWorkload(resource, kind, kindNode ?? resource, podSpecPath, collector);
            return;
        }

        if (KindsWithoutContainers.Contains(kind))
        {
            collector.Skip(kind, kindNode ?? resource);
            return;
        }

        throw (kindNode ?? resource).Error(
            $"unknown kind '{kind}'. Accepted workload kinds: {WorkloadKinds}, and List. "
            + "Kinds without containers, such as Service, ConfigMap or Secret, are skipped");
    }

    private static void ReadWorkload(ManifestNode resource, string kind, ManifestNode kindNode, string[] podSpecPath, TaskCollector collector)
    {
        var objectName = ReadObjectName(resource, kind);

        var podSpec = resource;
        foreach (var key in podSpecPath)
        {
            podSpec = podSpec.Require(key, $"a {kind} keeps its pod spec at {string.Join('.', podSpecPath)}, which is missing");
        }

        var containers = podSpec.Require("containers", $"a {kind} needs at least one container").Items();
        if (containers.Count == 0)
        {
            throw podSpec.Missing("containers", $"a {kind} needs at least one container, but containers is empty");
        }

        // Hints that every task of the pod shares: replicas, free-text hints and the init containers.
        var podHints = new List<ResourceHint>();
        if (resource.Get("spec")?.Get("replicas") is { } replicas)
        {
            podHints.Add(new ResourceHint("replicas", replicas.Text(), replicas.Source));
        }

        podHints.AddRange(ReadFreeTextHints(resource, podSpecPath));

        var sidecars = new List<ManifestNode>();
        foreach (var initContainer in podSpec.Get("initContainers")?.Items() ?? [])
        {
            if (initContainer.IsMapping && initContainer.Get("restartPolicy") is { } restartPolicy && restartPolicy.Text() == "Always")
            {
                sidecars.Add(initContainer);
            }
            else
            {
                ReadContainer(initContainer, "init-container-", podHints);
            }
        }

        var kindHint = new ResourceHint("kind", kind, kindNode.Source);
        foreach (var container in containers)
        {
            AddTask(container, [kindHint]);
        }

        foreach (var sidecar in sidecars)
        {
            AddTask(sidecar, [kindHint, new ResourceHint("sidecar", "restartPolicy: Always", sidecar.Get("restartPolicy")!.Source)]);
        }

        void AddTask(ManifestNode container, List<ResourceHint> hints)
        {
            var (spec, sources) = ReadContainer(container, string.Empty, hints);
            hints.AddRange(podHints);
            var task = new PartialTask($"{kind}/{objectName}/{spec.Name}", ManifestFormats.Kubernetes, spec, hints) { Resources = sources };
            collector.Add(task, container.Location);
        }
    }

    /// <summary>
    /// Reads the <c>eventshadow.io/hints</c> annotation of the object and of its pod template, which
    /// sits beside the pod spec (a Pod is its own template).
    /// </summary>
    private static IReadOnlyList<ResourceHint> ReadFreeTextHints(ManifestNode resource, string[] podSpecPath)
    {
        var freeText = new FreeTextHints();
        if (resource.Get("metadata")?.Get("annotations")?.Get(FreeTextHints.KubernetesAnnotation) is { } objectHints)
        {
            freeText.ReadNode(objectHints);
        }

        if (podSpecPath.Length > 1)
        {
            var template = resource;
            foreach (var key in podSpecPath[..^1])
            {
                template = template.Get(key)!;
            }

            if (template.Get("metadata")?.Get("annotations")?.Get(FreeTextHints.KubernetesAnnotation) is { } templateHints)
            {
                freeText.ReadNode(templateHints);
            }
        }

        return freeText.Hints;
    }

    private static string ReadObjectName(ManifestNode resource, string kind)
    {
        var metadata = resource.Require("metadata", $"a {kind} needs metadata.name");
        var name = (metadata.Get("name") ?? metadata.Get("generateName"))?.Text();
        if (string.IsNullOrWhiteSpace(name))
        {
            throw metadata.Missing("name", $"a {kind} needs metadata.name (or metadata.generateName)");
        }

        return name;
    }

    /// <summary>
    /// Reads a container and adds its image and resource hints, each name prefixed with <paramref name="hintPrefix"/>.
    /// Returns the container and the locations of its resource quantities.
    /// </summary>
    private static (ContainerSpec Spec, ResourceSources Sources) ReadContainer(ManifestNode container, string hintPrefix, List<ResourceHint> hints)
    {
        var nameNode = container.Require("name", "every container needs a name");
        var name = nameNode.Text();
        if (string.IsNullOrWhiteSpace(name))
        {
            throw nameNode.Error("every container needs a name, but name is empty");
        }

        var imageNode = container.Get("image");
        var image = imageNode?.Text();
        if (imageNode is null || string.IsNullOrWhiteSpace(image))
        {
            throw container.Missing("image", $"container '{name}' has no image. Every container needs one, such as redis:7");
        }

        hints.Add(new ResourceHint(hintPrefix + "image", image, imageNode.Source));

        var resources = container.Get("resources");
        var (requests, limits, sources) = ContainerResources.Read(resources?.Get("requests"), resources?.Get("limits"), hintPrefix, hints);

        var spec = new ContainerSpec(
            name,
            image,
            container.Get("command")?.Strings(),
            container.Get("args")?.Strings(),
            ReadEnvironment(container.Get("env")),
            requests,
            limits,
            ContainerPorts.ReadKubernetes(container.Get("ports")));
        return (spec, sources);
    }

    /// <summary>
    /// Reads <c>env</c> entries that have a literal value. Entries with <c>valueFrom</c> (secrets,
    /// config maps, field references) are resolved only in a cluster, so they are left out.
    /// </summary>
    private static Dictionary<string, string> ReadEnvironment(ManifestNode? env)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in env?.Items() ?? [])
        {
            var name = entry.Require("name", "every env entry needs a name").Text();
            if (entry.Has("valueFrom"))
            {
                continue;
            }

            // A later entry with the same name wins, as in Kubernetes.
            environment[name] = entry.Get("value")?.Text() ?? string.Empty;
        }

        return environment;
    }
}
