// The demo shop: which services run and what each one calls. The orchestrator starts one process and one
// agent per entry; service.ts implements the routes.

export const DEMO_SERVICES = ['frontend', 'cart', 'checkout', 'payments', 'inventory', 'recommendations'] as const;

export type DemoService = (typeof DEMO_SERVICES)[number];

/** The calls behind each user-facing page, for the start-up message and the README. */
export const DEMO_CALLS: readonly string[] = [
  'GET  /          frontend → recommendations, cart → redis',
  'GET  /product   frontend → inventory → postgresql, recommendations',
  'POST /checkout  frontend → checkout → cart, inventory → postgresql, payments',
];

/** The database stand-ins: client spans with db.system, which the service graph draws as virtual nodes. */
export const DEMO_DATABASES = ['postgresql', 'redis'] as const;

export function isDemoService(name: string): name is DemoService {
  return (DEMO_SERVICES as readonly string[]).includes(name);
}
