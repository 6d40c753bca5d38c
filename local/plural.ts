/** "1 record", "2 records": counts in lines a user reads are spelled right. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
