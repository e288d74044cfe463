/** Why one attempt to deliver failed, and whether another attempt may succeed. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export const isDeliveryError = (err: unknown): err is DeliveryError => err instanceof DeliveryError;
