using EventShadow.Contracts;
using Microsoft.Extensions.Options;

namespace EventShadow.PoolManager;

/// <summary>
/// Finds the local stand-in for a manifest's image in <see cref="ShadowOptions.Images"/> and turns it
/// into the workload a shadow runs.
/// </summary>
public sealed class ShadowImageCatalog(IOptions<ShadowOptions> options)
{
    private readonly ImageAllowList allowList = new(options.Value);

    /// <summary>
    /// Returns the first mapping whose <see cref="ShadowImageMapping.Match"/> lists the repository of
    /// <paramref name="manifestImage"/> or its last path segment, with its configuration key; null when
    /// none does.
    /// </summary>
    public (ShadowImageMapping Mapping, string Key)? Find(string manifestImage)
    {
        var repository = ImageReference.Repository(manifestImage);
        var lastSegment = ImageReference.LastSegment(repository);
        var images = options.Value.Images;

        for (var index = 0; index < images.Count; index++)
        {
            var mapping = images[index];
            var matches = mapping.Match.Any(entry =>
                string.Equals(entry, repository, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(entry, lastSegment, StringComparison.OrdinalIgnoreCase));

            if (matches)
            {
                return (mapping, $"{ShadowOptions.SectionName}:Images:{index}");
            }
        }

        return null;
    }

    /// <summary>
    /// Returns the workload that a shadow runs for <paramref name="container"/>.
    /// </summary>
    /// <exception cref="ShadowUnavailableException">
    /// No mapping matches the image, or neither the manifest nor the mapping gives a program to run.
    /// </exception>
    public ShadowWorkload Resolve(ContainerSpec container)
    {
        if (Find(container.Image) is not var (mapping, key))
        {
            var repository = ImageReference.Repository(container.Image);
            var lastSegment = ImageReference.LastSegment(repository);
            var matches = lastSegment == repository ? $"'{repository}'" : $"'{repository}' or '{lastSegment}'";
            throw new ShadowUnavailableException(
                $"image '{container.Image}' has no local stand-in: add a {ShadowOptions.SectionName}:Images mapping whose Match lists {matches}.");
        }

        var command = WorkloadCommand.Compose(mapping, container);
        if (command.Count == 0)
        {
            throw new ShadowUnavailableException(
                $"image '{container.Image}' has no workload command: the manifest gives no command and {key}:Entrypoint is empty.");
        }

        var image = mapping.Image ?? options.Value.WorkloadImage;
        if (!allowList.Allows(image))
        {
            var setting = mapping.Image is null ? $"{ShadowOptions.SectionName}:WorkloadImage" : $"{key}:Image";
            throw new ShadowUnavailableException(
                $"local image '{image}', the stand-in for '{container.Image}', is not in {ShadowOptions.SectionName}:AllowedImages: " +
                $"add its repository '{ImageAllowList.Normalize(image)}' there or change {setting}.");
        }

        var readiness = mapping.Readiness.Count > 0 ? new ReadinessProbe([.. mapping.Readiness], mapping.ReadinessUser) : null;

        return new ShadowWorkload(
            container.Image,
            image,
            key,
            command,
            mapping.User,
            container.Environment,
            readiness,
            mapping.ReadOnlyRootFilesystem,
            [.. mapping.Capabilities],
            NeedsNetwork: container.Ports is { Count: > 0 });
    }
}
