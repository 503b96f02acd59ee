import { z } from "zod";
import { appOverlaySchema } from "../components/app-schema";
import { APP_NAME_MAX, DNS_LABEL, DNS_LABEL_MAX } from "../contract/names";

/**
 * The shape of one catalog file. An environment file (`environments/prod.yaml`) usually `extends` a shared
 * base (`base.yaml`) and overrides what differs; the loader merges the chain and validates each app in full.
 */

/** The catalog format version this loader reads. */
export const CATALOG_API_VERSION = "rotor.dev/v1alpha1";

export const catalogFileSchema = z
  .strictObject({
    apiVersion: z.literal(CATALOG_API_VERSION).meta({ description: "Catalog format version." }),
    kind: z.literal("Catalog"),
    description: z.string().optional(),
    extends: z
      .string()
      .min(1)
      .optional()
      .meta({ description: "Path of a catalog file this one builds on, relative to this file." }),
    namespace: z
      .string()
      .regex(DNS_LABEL)
      .max(DNS_LABEL_MAX)
      .optional()
      .meta({ description: "Namespace of the apps that do not set their own." }),
    createNamespace: z
      .boolean()
      .optional()
      .meta({ description: "Create the namespaces, labelled for Pod Security restricted. Default: true." }),
    defaults: appOverlaySchema.optional().meta({
      description:
        "Settings every app starts from; an app's own settings win. enabled: false here disables every app that does not enable itself.",
    }),
    apps: z
      .record(z.string(), appOverlaySchema)
      .optional()
      .meta({
        description: `Apps by name. The name names every object, so it is a DNS label of at most ${APP_NAME_MAX} characters.`,
      }),
  })
  .meta({
    title: "rotor catalog",
    description: "Apps of one environment (or a base other environments extend), deployed with pod rotation.",
  });

export type CatalogFile = z.infer<typeof catalogFileSchema>;
