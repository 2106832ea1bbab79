// Adds the agent's resource attributes (host, Kubernetes pod, OTEL_RESOURCE_ATTRIBUTES) to what passes
// through it, only where the resource lacks the key: the service knows itself better than the agent does.
// Decoders share one Resource among the items under it, so each distinct resource is enriched once and
// the items keep sharing the enriched copy (which keeps the encoder's grouping intact).
import { serviceNameOf } from '../../collector/model/attributes.js';
import type { Attribute, Resource } from '../../collector/model/model.js';

interface WithResource {
  resource: Resource;
  serviceName: string;
}

export class ResourceEnricher {
  private readonly enriched = new WeakMap<Resource, Resource>();

  constructor(private readonly extra: readonly Attribute[]) {}

  /** The resource with the absent extra attributes appended; the same object when none are absent. */
  enrich(resource: Resource): Resource {
    let result = this.enriched.get(resource);
    if (result === undefined) {
      const present = new Set(resource.attributes.map((attribute) => attribute.key));
      const missing = this.extra.filter((attribute) => !present.has(attribute.key));
      result = missing.length === 0 ? resource : { ...resource, attributes: [...resource.attributes, ...missing] };
      this.enriched.set(resource, result);
    }
    return result;
  }

  /** Enriches each item's resource in place; serviceName follows when service.name was added. */
  enrichItems(items: readonly WithResource[]): void {
    for (const item of items) {
      const resource = this.enrich(item.resource);
      if (resource === item.resource) continue;
      item.resource = resource;
      item.serviceName = serviceNameOf(resource);
    }
  }
}
