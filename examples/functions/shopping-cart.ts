/**
 * The playground shopping cart (flink-statefun-playground java/shopping-cart, protocol §5.3), ported to the
 * official JS SDK with the same typenames, JSON shapes and receipt text.
 *
 * com.example/stock (id = item) keeps `stock`; com.example/user-shopping-cart (id = user) keeps `basket`.
 * The cart asks stock for items; stock answers its caller, and the cart takes the item id from `caller.id`.
 */
import { StateFun, egressMessageBuilder, messageBuilder, type Context, type Message } from "apache-flink-statefun";
import { EgressRecordType, PLAYGROUND_EGRESS } from "./greeter";

export interface RestockItem { itemId: string; quantity: number }
export interface RequestItem { quantity: number }
export interface ItemAvailability { status: "INSTOCK" | "OUTOFSTOCK"; quantity: number }
export interface AddToCart { userId: string; quantity: number; itemId: string }
export interface Checkout { userId: string }
export interface ClearCart { userId: string }
export interface Basket { basket: Record<string, number> }

export const STOCK = "com.example/stock";
export const USER_SHOPPING_CART = "com.example/user-shopping-cart";

export const RestockItemType = StateFun.jsonType<RestockItem>("com.example/RestockItem");
export const RequestItemType = StateFun.jsonType<RequestItem>("com.example/RequestItem");
export const ItemAvailabilityType = StateFun.jsonType<ItemAvailability>("com.example/ItemAvailability");
export const AddToCartType = StateFun.jsonType<AddToCart>("com.example/AddToCart");
export const CheckoutType = StateFun.jsonType<Checkout>("com.example/Checkout");
export const ClearCartType = StateFun.jsonType<ClearCart>("com.example/ClearCart");
export const BasketType = StateFun.jsonType<Basket>("com.example/Basket");

/** Java's `Receipt.toString()`, which the original example puts on the egress. */
export function receiptText(userId: string, basket: Basket): string {
  const details = Object.entries(basket.basket).map(([item, qty]) => `${item}: ${qty}`).join("\n");
  return `Receipt{userId='${userId}', details='${details}'}`;
}

function stock(context: Context, message: Message): void {
  const quantity = (context.storage.stock as number | null) ?? 0;
  if (message.is(RestockItemType)) {
    const restock = message.as(RestockItemType)!;
    context.storage.stock = quantity + restock.quantity;
    return;
  }
  if (message.is(RequestItemType)) {
    const requested = message.as(RequestItemType)!.quantity;
    let status: ItemAvailability["status"] = "OUTOFSTOCK";
    if (quantity >= requested) {
      context.storage.stock = quantity - requested;
      status = "INSTOCK";
    }
    const caller = context.caller;
    if (!caller) throw new Error("RequestItem must come from a function: stock replies to its caller");
    context.send(
      messageBuilder({ typename: caller.typename, id: caller.id, value: { status, quantity: requested }, valueType: ItemAvailabilityType }),
    );
  }
  // Other message types are ignored, as in the Java original.
}

function userShoppingCart(context: Context, message: Message): void {
  if (message.is(AddToCartType)) {
    const add = message.as(AddToCartType)!;
    context.send(messageBuilder({ typename: STOCK, id: add.itemId, value: { quantity: add.quantity }, valueType: RequestItemType }));
    return;
  }
  if (message.is(ItemAvailabilityType)) {
    const availability = message.as(ItemAvailabilityType)!;
    if (availability.status !== "INSTOCK") return;
    const caller = context.caller;
    if (!caller) throw new Error("ItemAvailability must come from com.example/stock: the caller id is the item");
    const basket = (context.storage.basket as Basket | null) ?? { basket: {} };
    basket.basket[caller.id] = (basket.basket[caller.id] ?? 0) + availability.quantity;
    context.storage.basket = basket;
    return;
  }
  if (message.is(ClearCartType)) {
    const basket = context.storage.basket as Basket | null;
    if (!basket) return;
    for (const [itemId, quantity] of Object.entries(basket.basket)) {
      context.send(messageBuilder({ typename: STOCK, id: itemId, value: { itemId, quantity }, valueType: RestockItemType }));
    }
    // Like the Java original, the emptied basket is not written back (protocol §5.3 ⚠).
    return;
  }
  if (message.is(CheckoutType)) {
    const basket = context.storage.basket as Basket | null;
    if (!basket) return;
    context.send(
      egressMessageBuilder({
        typename: PLAYGROUND_EGRESS,
        value: { topic: "receipts", payload: receiptText(context.self.id, basket) },
        valueType: EgressRecordType,
      }),
    );
  }
}

export function bindShoppingCart(statefun: StateFun): void {
  statefun.bind({ typename: STOCK, fn: stock, specs: [{ name: "stock", type: StateFun.intType() }] });
  statefun.bind({ typename: USER_SHOPPING_CART, fn: userShoppingCart, specs: [{ name: "basket", type: BasketType }] });
}
